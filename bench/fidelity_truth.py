"""The recordings and their ground truth: the core parser's reading, cross-checked against a
naive independent reading of the raw bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lemon_adapters.core.wire.parser import StreamParser

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "tests" / "recordings" / "wire"
MESSAGES_WIRE = ROOT / "tests" / "recordings" / "messages" / "wire"
GEMINI_WIRE = ROOT / "tests" / "recordings" / "gemini" / "wire"
#: The APIs, in report order, and the folder of each one's recordings.
APIS = ("chat", "responses", "messages", "gemini")
API_NAMES = {
    "chat": "Chat Completions",
    "responses": "Responses",
    "messages": "Anthropic Messages",
    "gemini": "Gemini",
}
OUT = Path(__file__).resolve().parent / "results" / "fidelity.md"
KEY = "sk-fidelity-test"
#: Peers validate model names; the server ignores the name.
PEER_MODEL = "gpt-4o-mini"
#: The name given on Messages (llama-index's ``Anthropic`` looks it up for its context
#: window, so it must be one the installed version knows).
CLAUDE_MODEL = "claude-sonnet-4-5"
#: The name given on Gemini (the peers put it in the URL; the server ignores it).
GEMINI_MODEL = "gemini-2.5-flash"
TIMEOUT = 20.0


# -- recordings and ground truth ------------------------------------------------------------


def streaming_entries() -> list[dict[str, Any]]:
    """The index entries of every streaming HTTP 200 recording, each with its ``path``."""
    out = []
    for folder in (WIRE, MESSAGES_WIRE, GEMINI_WIRE):
        index: list[dict[str, Any]] = json.loads((folder / "index.json").read_text())
        out += [
            {**e, "path": folder / e["file"]}
            for e in index
            if e.get("stream") and e["status"] == 200
        ]
    return out


def recording(name: str) -> Path:
    """The path of a recorded body, in its API's folder."""
    if name.startswith("gem__"):
        return GEMINI_WIRE / name
    return (MESSAGES_WIRE if name.startswith("msg__") else WIRE) / name


def api_of(name: str) -> str:
    """The API of a recorded body, from its name's prefix."""
    prefix = name.split("__", 1)[0]
    return {"chat": "chat", "resp": "responses", "msg": "messages", "gem": "gemini"}[prefix]


@dataclass
class Truth:
    """What a faithful client delivers for one recording."""

    text: str
    reasoning: str
    refusal: str
    calls: list[tuple[str, Any]]
    usage: tuple[int, int] | None
    error: bool


def truth_of(api: str, body: bytes) -> Truth:
    """The core parser's reading of ``body``."""
    parser = StreamParser(api)  # type: ignore[arg-type]
    parser.feed(body)
    parser.close()
    r = parser.result
    return Truth(
        text=r.text,
        reasoning=r.reasoning,
        refusal=r.refusal,
        calls=[(c.name or "", c.args) for c in r.tool_calls],
        usage=(r.usage.input_tokens, r.usage.output_tokens) if r.usage else None,
        error=parser.failure is not None,
    )


def _data_payloads(body: bytes) -> Iterator[Any]:
    for line in body.decode("utf-8").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                yield json.loads(data)


def raw_reading(api: str, body: bytes) -> Truth:
    """An independent, deliberately naive reading of the raw bytes (for plain recordings).

    Chat Completions: ``choices[0].delta`` content / reasoning_content / tool_calls by index
    and the last ``usage``. Responses: the terminal response object's ``output`` and usage.
    Messages: the ``text_delta`` and ``thinking_delta`` texts, the ``tool_use`` blocks with
    their ``input_json_delta`` pieces joined, and the last input and output counts seen
    (``message_start``, then ``message_delta``).
    """
    if api == "messages":
        return _messages_reading(body)
    if api == "chat":
        text, reasoning, usage = "", "", None
        calls: dict[int, list[str]] = {}
        for obj in _data_payloads(body):
            if obj.get("usage"):
                usage = (obj["usage"]["prompt_tokens"], obj["usage"]["completion_tokens"])
            for choice in obj.get("choices") or []:
                if choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") or {}
                text += delta.get("content") or ""
                reasoning += delta.get("reasoning_content") or delta.get("reasoning") or ""
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(tc.get("index", 0), ["", ""])
                    fn = tc.get("function") or {}
                    slot[0] += fn.get("name") or ""
                    slot[1] += fn.get("arguments") or ""
        parsed = [(n, json.loads(a) if a else {}) for _, (n, a) in sorted(calls.items())]
        return Truth(text, reasoning, "", parsed, usage, False)
    final: dict[str, Any] = {}
    for obj in _data_payloads(body):
        if obj.get("type") in ("response.completed", "response.incomplete"):
            final = obj["response"]
    text, reasoning, out_calls = "", "", []
    for item in final.get("output") or []:
        if item["type"] == "message":
            text += "".join(p.get("text", "") for p in item["content"])
        elif item["type"] == "function_call":
            out_calls.append((item["name"], json.loads(item["arguments"] or "{}")))
        elif item["type"] == "reasoning":
            reasoning += "".join(p["text"] for p in item.get("summary") or [])
            reasoning += "".join(p["text"] for p in item.get("content") or [])
    u = final.get("usage")
    usage = (u["input_tokens"], u["output_tokens"]) if u else None
    return Truth(text, reasoning, "", out_calls, usage, False)


def _messages_reading(body: bytes) -> Truth:
    text, reasoning = "", ""
    blocks: dict[int, list[str]] = {}  # index -> [type, name, json]
    counts: dict[str, int] = {}
    for obj in _data_payloads(body):
        kind = obj.get("type")
        if kind == "message_start":
            counts.update(obj["message"].get("usage") or {})
        elif kind == "content_block_start":
            block = obj["content_block"]
            blocks[obj["index"]] = [block["type"], block.get("name") or "", ""]
        elif kind == "content_block_delta":
            delta = obj["delta"]
            text += delta.get("text", "") if delta["type"] == "text_delta" else ""
            reasoning += delta.get("thinking", "") if delta["type"] == "thinking_delta" else ""
            if delta["type"] == "input_json_delta":
                blocks[obj["index"]][2] += delta["partial_json"]
        elif kind == "message_delta":
            counts.update(obj.get("usage") or {})
    calls = [
        (name, json.loads(args) if args else {})
        for _, (kind, name, args) in sorted(blocks.items())
        if kind == "tool_use"
    ]
    usage = (counts["input_tokens"], counts["output_tokens"]) if counts else None
    return Truth(text, reasoning, "", calls, usage, False)


#: Plain recordings whose ground truth is cross-checked against :func:`raw_reading`.
CROSS_CHECK = (
    "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body",
    "chat__deepseek_reasoner__reasoning_content__pydantic-ai__0.body",
    "chat__openai_gpt-4o__parallel-tools__openai-python__0.body",
    "chat__xai_grok-3-mini__reasoning_content+tool__fantasy__0.body",
    "resp__openai_gpt-4o__parallel-tools__fantasy__0.body",
    "resp__openai_gpt-5__reasoning-summary+tool__fantasy__1.body",
    "resp__openai_gpt-4o__single-tool__fantasy__1.body",
    "msg__anthropic_claude-sonnet-4__text__fantasy__0.body",
    "msg__anthropic_claude-sonnet-4__parallel-tools__fantasy__0.body",
    "msg__anthropic_claude-sonnet-4__thinking+signature__pydantic-ai__0.body",
    "msg__vertex-anthropic_claude-3.7-sonnet__tool-loop-ping-first__fantasy__0.body",
)


def cross_check() -> list[tuple[str, bool, str]]:
    """(file, agrees, what differs) for each :data:`CROSS_CHECK` recording."""
    out = []
    for name in CROSS_CHECK:
        api = api_of(name)
        body = recording(name).read_bytes()
        ours, raw = truth_of(api, body), raw_reading(api, body)
        diffs = [
            f
            for f in ("text", "reasoning", "calls", "usage")
            if getattr(ours, f) != getattr(raw, f)
        ]
        out.append((name, not diffs, ", ".join(diffs)))
    return out
