"""The standard LangChain blocks for what a provider ran or cited besides the answer:
``server_tool_call`` / ``server_tool_result`` blocks and ``citation`` annotations (as
langchain-core's ``messages.content`` types them), made from the core's events."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.events import Citation, ServerToolCall, ServerToolResult


def server_tool_call_block(event: ServerToolCall) -> dict[str, Any]:
    """A server tool call as langchain-core's standard ``server_tool_call`` block."""
    block: dict[str, Any] = {
        "type": "server_tool_call",
        "id": event.id or "",
        "name": event.name,
        "args": event.arguments,
    }
    extras = {"provider_type": event.provider_type}
    if event.server:
        extras["server_name"] = event.server
    block["extras"] = extras
    if event.id:  # each call its own block in a stream (langchain-core's "lc_wsc_" style)
        block["index"] = f"lc_stc_{event.id}"
    return block


def server_tool_result_block(event: ServerToolResult) -> dict[str, Any]:
    """A server tool's result as langchain-core's standard ``server_tool_result`` block
    (a result without a status on the wire is reported as ``success``, as langchain-core's
    own translators do for finished results)."""
    block: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": event.call_id or "",
        "status": event.status or "success",
        "extras": {"provider_type": event.provider_type, "name": event.name},
    }
    if event.output is not None:
        block["output"] = event.output
    if event.call_id:
        block["index"] = f"lc_str_{event.call_id}"
    return block


def citation_annotation(event: Citation) -> dict[str, Any]:
    """A citation as langchain-core's standard ``citation`` annotation."""
    out: dict[str, Any] = {"type": "citation"}
    for key, value in (
        ("url", event.url),
        ("title", event.title),
        ("cited_text", event.cited_text),
        ("start_index", event.start),
        ("end_index", event.end),
    ):
        if value is not None:
            out[key] = value
    out["extras"] = {"provider_type": event.provider_type}
    return out


def with_server_tools(additional: dict[str, Any], blocks: list[Any]) -> list[Any]:
    """``blocks`` with the server tools' calls and results (each result after its call)
    before the answer text, and the citations as the text's ``annotations``."""
    calls = additional.get("server_tool_calls") or []
    results = list(additional.get("server_tool_results") or [])
    citations = additional.get("citations") or []
    if not (calls or results or citations):
        return blocks
    server: list[Any] = []
    for call in calls:
        server.append(call)
        mine = [r for r in results if r.get("tool_call_id") == call.get("id")]
        server.extend(mine)
        results = [r for r in results if r not in mine]
    server.extend(results)  # results of an earlier turn's calls (a paused turn resumed)
    if citations:
        texts = [b for b in blocks if b.get("type") == "text"]
        if texts:  # the answer's last text block: where a stream's last chunk puts them
            last = dict(texts[-1])
            last["annotations"] = [*(last.get("annotations") or ()), *citations]
            blocks = [last if b is texts[-1] else b for b in blocks]
        else:
            blocks = [*blocks, {"type": "text", "text": "", "annotations": list(citations)}]
    leading = [b for b in blocks if b.get("type") == "reasoning"]
    rest = [b for b in blocks if b.get("type") != "reasoning"]
    return [*leading, *server, *rest]
