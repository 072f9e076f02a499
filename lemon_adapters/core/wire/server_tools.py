"""The readers of what a provider ran or cited besides the answer (pure).

Every wire format maps its server-run tools and its citations to the same events
(:class:`~lemon_adapters.core.events.ServerToolCall`, ``ServerToolResult``, ``Citation``)
and types its finished blocks (``BlockDone``); the readers for each format live here so the
mappers stay about their streams, and a new format (Gemini's ``executableCode`` and
grounding) finds the vocabulary's conventions in one place:

* a call's ``arguments`` are a JSON object (``{}`` when the wire has none), its ``name`` the
  tool's name (``web_search``, ``code_interpreter``, an MCP tool's own name);
* a result's ``status`` is ``"success"``, ``"error"`` or ``None`` (the wire says neither);
* a citation's ``start`` / ``end`` are offsets into the whole answer text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from lemon_adapters.core.events import (
    BlockDone,
    BlockType,
    Citation,
    ServerToolCall,
    ServerToolResult,
)
from lemon_adapters.core.wire.accumulate import parse_arguments
from lemon_adapters.core.wire.fields import text as wire_text

Status = Literal["success", "error"] | None

# -- Anthropic Messages -------------------------------------------------------------------

#: Blocks that call a tool the server runs (never a client ToolCallDelta).
SERVER_TOOL_CALLS = frozenset({"server_tool_use", "mcp_tool_use"})
#: Block types that map to a typed BlockDone; anything else is "other" (compaction...).
_BLOCK_TYPES: dict[str, BlockType] = {
    "text": "text",
    "thinking": "thinking",
    "redacted_thinking": "redacted_thinking",
    "tool_use": "tool_call",
    "server_tool_use": "server_tool_call",
    "mcp_tool_use": "server_tool_call",
}


def messages_server_call(block: dict[str, Any]) -> ServerToolCall:
    """A finished ``server_tool_use`` / ``mcp_tool_use`` block (its input parsed)."""
    kind = block["type"]
    args = block.get("input")
    return ServerToolCall(
        id=wire_text(block.get("id"), f"{kind}.id"),
        name=wire_text(block.get("name"), f"{kind}.name") or kind,
        arguments=args if isinstance(args, dict) else {},
        provider_type=kind,
        server=wire_text(block.get("server_name"), f"{kind}.server_name"),
    )


def messages_server_result(block: dict[str, Any], names: Mapping[str, str]) -> ServerToolResult:
    """A finished ``*_tool_result`` block; ``names`` maps earlier call ids to their tools
    (a paused turn's continuation answers a call of the turn before: named by its type)."""
    kind = block["type"]
    call_id = wire_text(block.get("tool_use_id"), f"{kind}.tool_use_id")
    content = block.get("content")
    error = block.get("is_error") is True or (
        isinstance(content, dict) and str(content.get("type", "")).endswith("_error")
    )
    return ServerToolResult(
        call_id=call_id,
        name=names.get(call_id or "") or kind.removesuffix("_tool_result"),
        status="error" if error else "success",
        output=content,
        provider_type=kind,
    )


def block_done(
    index: int, block: dict[str, Any], call: int | None, span: tuple[int, int] | None = None
) -> BlockDone:
    """A finished Messages block, typed (``call``: the client tool call's index, if one;
    ``span``: a text block's place in the answer text, its text filled from there)."""
    kind = block["type"]
    btype = _BLOCK_TYPES.get(kind)
    if btype is None:
        btype = "server_tool_result" if str(kind).endswith("_tool_result") else "other"
    signature = block.get("signature") if kind == "thinking" else None
    data = block.get("data") if kind == "redacted_thinking" else None
    thinking = block.get("thinking") if kind == "thinking" else None
    return BlockDone(
        index=index,
        block=block,
        type=btype,
        signature=signature if isinstance(signature, str) and signature else None,
        data=data if isinstance(data, str) else None,
        tool_call_index=call,
        text_span=span,
        thinking=thinking if isinstance(thinking, str) else None,
    )


def messages_citation(cited: Any, start: int, end: int) -> Citation:
    """A Messages citation (``web_search_result_location``, ``char_location``,
    ``search_result_location``...) spanning the text block it came on."""
    url = cited.get("url")
    if url is None and isinstance(cited.get("source"), str):
        url = cited["source"]  # search_result_location names its source here
    title = cited.get("title")
    if title is None:
        title = cited.get("document_title")
    return Citation(
        url=wire_text(url, "citation.url"),
        title=wire_text(title, "citation.title"),
        cited_text=wire_text(cited.get("cited_text"), "citation.cited_text"),
        start=start,
        end=end,
        provider_type=wire_text(cited.get("type"), "citation.type") or "citation",
    )


# -- OpenAI Responses ----------------------------------------------------------------------

#: Output items the server ran itself -> the tool's name (as langchain-core and the
#: provider's docs call it; an MCP call is named by its own ``name``).
SERVER_ITEMS: dict[str, str] = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "image_generation_call": "image_generation",
    "mcp_call": "remote_mcp",
    "mcp_list_tools": "mcp_list_tools",
}


def server_item(
    item: dict[str, Any], item_id: str | None
) -> tuple[ServerToolCall, ServerToolResult]:
    """A built-in tool item as its call and result, in the shapes langchain-core's
    Responses translator gives them (``web_search_call``: the action without its sources
    as arguments, the sources as output)."""
    kind = item["type"]
    name = SERVER_ITEMS[kind]
    server = None
    output: Any = None
    args: dict[str, Any] = {}
    if kind == "web_search_call":
        action = item.get("action")
        if isinstance(action, dict):
            args = {k: v for k, v in action.items() if k != "sources"}
            if action.get("sources"):
                output = {"sources": action["sources"]}
    elif kind == "file_search_call":
        args = {"queries": item.get("queries") or []}
        output = item.get("results")
    elif kind == "code_interpreter_call":
        args = {k: item[k] for k in ("code", "container_id") if k in item}
        output = item.get("outputs")
    elif kind == "image_generation_call":
        output = item.get("result")
    elif kind == "mcp_call":
        name = wire_text(item.get("name"), "mcp_call name") or name
        server = wire_text(item.get("server_label"), "mcp_call server_label")
        raw = item.get("arguments")
        args = (parse_arguments(raw)[0] if isinstance(raw, str) else None) or {}
        output = item.get("error") or item.get("output")
    else:  # mcp_list_tools
        server = wire_text(item.get("server_label"), "mcp_list_tools server_label")
        output = item.get("error") or item.get("tools")
    status = item.get("status")
    failed = status == "failed" or (kind.startswith("mcp_") and bool(item.get("error")))
    done: Status = "error" if failed else ("success" if status == "completed" else None)
    if kind.startswith("mcp_") and status is None and not failed:
        done = "success"  # MCP items carry no status: an error is said by ``error``
    call = ServerToolCall(id=item_id, name=name, arguments=args, provider_type=kind, server=server)
    result = ServerToolResult(
        call_id=item_id, name=name, status=done, output=output, provider_type=kind
    )
    return call, result


def responses_citation(annotation: dict[str, Any], base: int) -> Citation:
    """A Responses text annotation (``url_citation``, ``file_citation``...) as a Citation;
    its indices are into its content part, shifted by the part's offset ``base``."""
    start = annotation.get("start_index")
    if start is None:
        start = annotation.get("index")  # file_citation: one position
    end = annotation.get("end_index")
    return Citation(
        url=wire_text(annotation.get("url"), "annotation url"),
        title=wire_text(annotation.get("title") or annotation.get("filename"), "annotation title"),
        cited_text=None,
        start=base + start if type(start) is int else None,
        end=base + end if type(end) is int else None,
        provider_type=wire_text(annotation.get("type"), "annotation type") or "annotation",
    )


# -- Chat Completions -----------------------------------------------------------------------


def chat_citation(annotation: dict[str, Any]) -> Citation:
    """A Chat Completions annotation: ``{"type": "url_citation", "url_citation": {...}}``."""
    kind = wire_text(annotation.get("type"), "annotations[].type") or "annotation"
    body = annotation.get(kind)
    body = body if isinstance(body, dict) else annotation
    start, end = body.get("start_index"), body.get("end_index")
    return Citation(
        url=wire_text(body.get("url"), "annotation url"),
        title=wire_text(body.get("title"), "annotation title"),
        cited_text=None,
        start=start if type(start) is int else None,
        end=end if type(end) is int else None,
        provider_type=kind,
    )
