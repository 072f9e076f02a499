"""Server tool calls, their results, citations and usage as billed, on the recorded bytes.

Every stream is read whole, byte by byte and at random offsets (the same events each way)
and goes through the invariant checker, which also checks that ``Finish.result`` agrees
with the events.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lemon_adapters.core.events import (
    BlockDone,
    Citation,
    Finish,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
)
from lemon_adapters.core.wire.parser import StreamParser
from tests.conftest import RECORDINGS
from tests.core.wire.test_recordings import bytewise, parse_chunks, random_split, whole
from tests.invariants import check_invariants

MESSAGES = RECORDINGS / "messages" / "wire"
WIRE = RECORDINGS / "wire"
WEB_SEARCH = "msg__anthropic_claude-opus-4.1__web_search+citations-no-ping__llm-anthropic__0.body"
PAUSED = "msg__anthropic_claude-sonnet-4.5__pause_turn-web-search+thinking__pydantic-ai__{}.body"
RESP_SEARCH = "resp__openai_gpt-5__web-search-builtin-tool__pydantic-ai__0.body"


def events_of(api: Any, body: bytes) -> list[StreamEvent]:
    """The events of ``body``, checked to be the same however it is split."""
    runs = [parse_chunks(api, split(body)) for split in (whole, bytewise)]
    runs.append(parse_chunks(api, random_split(body, 7)))
    first = runs[0]
    assert first.failure is None
    for other in runs[1:]:
        assert other.events == first.events
    check_invariants(first.events)
    return list(first.events)


def of(kind: type[Any], events: list[StreamEvent]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def finish(events: list[StreamEvent]) -> Finish:
    last = events[-1]
    assert isinstance(last, Finish) and last.result is not None
    return last


def wire_citations(body: bytes) -> list[dict[str, Any]]:
    """Every ``citations_delta`` citation, read from the raw bytes independently."""
    found = []
    for line in body.decode().splitlines():
        if line.startswith("data:") and "citations_delta" in line:
            found.append(json.loads(line[5:])["delta"]["citation"])
    return found


def test_messages_web_search_call_result_and_every_citation() -> None:
    body = (MESSAGES / WEB_SEARCH).read_bytes()
    events = events_of("messages", body)
    [call] = of(ServerToolCall, events)
    assert call.name == "web_search" and call.provider_type == "server_tool_use"
    assert call.arguments == {"query": "San Francisco weather today"}
    [result] = of(ServerToolResult, events)
    assert result.call_id == call.id and result.name == "web_search"
    assert result.status == "success" and result.provider_type == "web_search_tool_result"
    assert {r["url"] for r in result.output} >= {c["url"] for c in wire_citations(body)}
    citations = of(Citation, events)
    expected = wire_citations(body)
    assert len(citations) == len(expected) == 5
    for got, want in zip(citations, expected, strict=True):
        assert (got.url, got.title, got.cited_text) == (
            want["url"],
            want["title"],
            want["cited_text"],
        )
        assert got.provider_type == "web_search_result_location"
    text = finish(events).result.text  # type: ignore[union-attr]
    # Each citation spans the text block it came on: non-empty, within the answer.
    assert all(0 <= c.start < c.end <= len(text) for c in citations)
    # The server blocks are typed for adapters, and kept opaque for replay.
    types = [(b.type, b.block["type"]) for b in of(BlockDone, events)]
    assert types[:2] == [
        ("server_tool_call", "server_tool_use"),
        ("server_tool_result", "web_search_tool_result"),
    ]
    assert all(t == ("text", "text") for t in types[2:])


def test_a_paused_turn_continues_with_results_for_the_earlier_calls() -> None:
    first = events_of("messages", (MESSAGES / PAUSED.format(0)).read_bytes())
    second = events_of("messages", (MESSAGES / PAUSED.format(1)).read_bytes())
    assert len(of(ServerToolCall, first)) == 11 and len(of(ServerToolResult, first)) == 10
    assert finish(first).raw_reason == "pause_turn"
    # The continuation's first result answers the call the paused turn left open.
    open_call = of(ServerToolCall, first)[-1]
    results = of(ServerToolResult, second)
    assert results[0].call_id == open_call.id and results[0].name == "web_search"
    assert len(of(Citation, second)) == 19


@pytest.mark.parametrize(
    ("fragment", "name", "provider_type", "result_type"),
    [
        (
            "code-execution+thinking",
            "bash_code_execution",
            "server_tool_use",
            "bash_code_execution_tool_result",
        ),
        ("mcp-tool+thinking", None, "mcp_tool_use", "mcp_tool_result"),
        (
            "tool-search+tool-loop__pydantic-ai__0",
            None,
            "server_tool_use",
            "tool_search_tool_result",
        ),
        ("signature-only+advisor", "advisor", "server_tool_use", "advisor_tool_result"),
    ],
)
def test_other_server_tools(
    fragment: str, name: str | None, provider_type: str, result_type: str
) -> None:
    [path] = [p for p in MESSAGES.glob("msg__*.body") if fragment in p.name]
    body = path.read_bytes()
    events = events_of("messages", body)
    [call] = of(ServerToolCall, events)
    [result] = of(ServerToolResult, events)
    start = re.search(
        rb'"content_block":(\{"type":"%s".*?\})\s*\}\s*$' % provider_type.encode(), body, re.M
    )
    assert start is not None
    wire_name = json.loads(start.group(1))["name"]
    assert call.name == (name or wire_name) and call.provider_type == provider_type
    assert result.provider_type == result_type and result.call_id == call.id
    assert result.name == call.name and result.status == "success"
    if provider_type == "mcp_tool_use":
        assert call.server  # the MCP server the call went to
    # The client tool call on the same stream stays a client tool call.
    client = [b for b in of(BlockDone, events) if b.type == "tool_call"]
    assert all(b.tool_call_index == 0 for b in client)


def test_compaction_usage_is_the_sum_of_the_billed_iterations() -> None:
    [path] = MESSAGES.glob("*compaction+cache_read*.body")
    usage = finish(events_of("messages", path.read_bytes())).result.usage  # type: ignore[union-attr]
    assert usage is not None
    assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens) == (
        281 + 55096,
        55096,
        91,
    )
    assert [(i.type, i.model) for i in usage.iterations] == [
        ("compaction", None),
        ("message", None),
    ]
    assert [i.usage.output_tokens for i in usage.iterations] == [83, 8]
    assert usage.other_models == {}


def test_an_advisor_iteration_is_reported_apart_by_model() -> None:
    [path] = MESSAGES.glob("*thinking-signature-only+advisor*.body")
    usage = finish(events_of("messages", path.read_bytes())).result.usage  # type: ignore[union-attr]
    assert usage is not None
    # This model's two iterations (1128 + 1283 in, 135 + 10 out), as the top level says.
    assert (usage.input_tokens, usage.output_tokens) == (2411, 145)
    [(model, other)] = usage.other_models.items()
    assert model == "claude-opus-4-8"
    assert (other.input_tokens, other.output_tokens) == (2543, 18)
    assert [i.type for i in usage.iterations] == ["message", "advisor_message", "message"]


def test_block_done_types_signatures_and_call_indexes() -> None:
    [path] = MESSAGES.glob("*thinking+tool-loop-signature-replay__fantasy__0.body")
    events = events_of("messages", path.read_bytes())
    done = of(BlockDone, events)
    thinking = [b for b in done if b.type == "thinking"]
    assert thinking and all(b.signature == b.block["signature"] for b in thinking)
    calls = [b for b in done if b.type == "tool_call"]
    assert [b.tool_call_index for b in calls] == list(range(len(calls)))
    [path] = MESSAGES.glob("*redacted_thinking*.body")
    redacted = [b for b in of(BlockDone, events_of("messages", path.read_bytes())) if b.data]
    assert redacted and all(b.type == "redacted_thinking" for b in redacted)


def test_responses_web_search_call_with_its_query() -> None:
    events = events_of("responses", (WIRE / RESP_SEARCH).read_bytes())
    [call] = of(ServerToolCall, events)
    [result] = of(ServerToolResult, events)
    assert (call.name, call.provider_type) == ("web_search", "web_search_call")
    assert call.arguments == {"type": "search", "query": "weather: San Francisco, CA"}
    assert result.call_id == call.id and result.status == "success"
    assert result.output == {"sources": [{"type": "api", "name": "oai-weather"}]}
    assert finish(events).result.server_tool_calls == [call]  # type: ignore[union-attr]


def test_responses_terminal_object_alone_gives_the_same_server_tools() -> None:
    body = (WIRE / RESP_SEARCH).read_text()
    [line] = [x for x in body.splitlines() if '"response.completed"' in x]
    parser = StreamParser("responses")
    events = parser.feed_json(json.loads(line[5:])["response"])
    check_invariants(events)
    streamed = events_of("responses", body.encode())
    assert of(ServerToolCall, events) == of(ServerToolCall, streamed)
    assert of(ServerToolResult, events) == of(ServerToolResult, streamed)


def _sse(*objs: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(o).encode() + b"\n\n" for o in objs)


def test_responses_url_citation_offsets_are_into_the_whole_answer() -> None:
    # Two messages: the annotation's indices are into its own part, shifted by 6.
    url = {"type": "url_citation", "url": "https://a.example/x", "title": "A"}
    body = _sse(
        {"type": "response.created", "response": {"id": "r", "model": "m"}},
        {
            "type": "response.output_text.delta",
            "item_id": "m1",
            "content_index": 0,
            "delta": "Hello ",
        },
        {
            "type": "response.output_text.delta",
            "item_id": "m2",
            "content_index": 0,
            "delta": "world.",
        },
        {
            "type": "response.output_text.annotation.added",
            "item_id": "m2",
            "content_index": 0,
            "annotation": {**url, "start_index": 0, "end_index": 5},
        },
        {"type": "response.completed", "response": {"id": "r", "status": "completed"}},
    )
    events = events_of("responses", body)
    [cite] = of(Citation, events)
    text = finish(events).result.text  # type: ignore[union-attr]
    assert (cite.url, cite.title, cite.provider_type) == (url["url"], "A", "url_citation")
    assert text[cite.start : cite.end] == "world"  # type: ignore[misc]


def test_responses_failed_builtin_tool_is_an_error_result() -> None:
    item = {"id": "ci_1", "type": "code_interpreter_call", "status": "failed", "code": "1/0"}
    body = _sse(
        {"type": "response.created", "response": {"id": "r", "model": "m"}},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {"id": "r", "output": [item]}},
    )
    events = events_of("responses", body)
    [call] = of(ServerToolCall, events)  # once, though the terminal object repeats it
    [result] = of(ServerToolResult, events)
    assert (call.name, call.arguments) == ("code_interpreter", {"code": "1/0"})
    assert result.status == "error"


def test_chat_completions_annotations_are_citations() -> None:
    annotation = {
        "type": "url_citation",
        "url_citation": {
            "url": "https://b.example",
            "title": "B",
            "start_index": 3,
            "end_index": 7,
        },
    }
    body = (
        _sse(
            {
                "id": "c",
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "See the docs"}}],
            },
            {"id": "c", "choices": [{"index": 0, "delta": {"annotations": [annotation]}}]},
            {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        )
        + b"data: [DONE]\n\n"
    )
    events = events_of("chat", body)
    [cite] = of(Citation, events)
    assert (cite.url, cite.title, cite.start, cite.end) == ("https://b.example", "B", 3, 7)
