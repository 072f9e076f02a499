"""Every recorded Anthropic Messages stream in ``tests/recordings/messages/wire`` through the
pure parser.

Each streamed 200 body is parsed whole, byte by byte, at seeded random split points and
under the legal re-framings of ``test_recordings`` (plus data-only framing: the mapper reads
the event type from the JSON, so ``event:`` lines are optional); every variant must give
the identical events and pass the invariant checker. Results are compared with a reference
reader written here (plain ``json.loads`` of the ``data:`` lines, blocks folded by index),
then with expectations read off the bytes for the recordings with quirks. The error bodies
go through the one error reader, and the two thinking tool loops are replayed: the second
request is rebuilt from the first answer and compared with the recorded one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from lemon_adapters.core import errors
from lemon_adapters.core.errors import api_error
from lemon_adapters.core.events import BlockDone, ResponseStarted, TextDelta
from lemon_adapters.core.request.build import build_body
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.core.wire.parser import StreamParser
from tests.conftest import RECORDINGS
from tests.core.wire.test_recordings import (
    REFRAMINGS,
    Parsed,
    _sse_payloads,
    bytewise,
    crlf,
    no_event_lines,
    parse_chunks,
    random_split,
    whole,
)
from tests.invariants import check_invariants

WIRE = RECORDINGS / "messages" / "wire"
INDEX: list[dict[str, Any]] = json.loads((WIRE / "index.json").read_text())
STREAMS = [e for e in INDEX if e.get("stream") and e["status"] == 200]
ERRORS = [e for e in INDEX if e["status"] >= 400]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["file"].removesuffix(".body") for e in entries]


def body_of(entry: dict[str, Any]) -> bytes:
    return (WIRE / entry["file"]).read_bytes()


def entry_named(fragment: str, interaction: int = 0) -> dict[str, Any]:
    [entry] = [e for e in STREAMS if fragment in e["file"] and e["interaction"] == interaction]
    return entry


def parse(entry: dict[str, Any], body: bytes | None = None) -> Parsed:
    parsed = parse_chunks("messages", whole(body_of(entry) if body is None else body))
    check_invariants(parsed.events, finished=parsed.failure is None)
    return parsed


def test_the_index_holds_34_streams_and_3_error_bodies() -> None:
    assert len(STREAMS) == 34
    assert len(ERRORS) == 3
    assert {e["api"] for e in INDEX} == {"messages"}
    assert {e["terminal"] for e in STREAMS} == {"message_stop"}


# -- chunking and framing ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_any_chunking_gives_identical_events(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    reference = parse(entry)
    assert reference.failure is None, reference.failure
    assert reference.result.finish_reason is not None
    variants = {"bytewise": bytewise(body)}
    for seed in range(5):
        variants[f"random{seed}"] = random_split(body, seed)
    for name, chunks in variants.items():
        assert b"".join(chunks) == body
        got = parse_chunks("messages", chunks)
        assert got.events == reference.events, name
        assert got.result == reference.result, name
        assert got.failure is None, name
        check_invariants(got.events)


#: Messages streams carry an ``event:`` line per event, but the type is in the JSON too.
MESSAGES_REFRAMINGS: dict[str, Callable[[bytes], bytes]] = {
    **REFRAMINGS,
    "no_event_lines": no_event_lines,
    "no_event_lines+crlf": lambda b: crlf(no_event_lines(b)),
}


def _reframe_cases() -> list[Any]:
    return [
        pytest.param(entry, name, id=f"{_ids([entry])[0]}-{name}")
        for entry in STREAMS
        for name in MESSAGES_REFRAMINGS
    ]


@pytest.mark.parametrize(("entry", "reframing"), _reframe_cases())
def test_legal_reframings_give_identical_events(entry: dict[str, Any], reframing: str) -> None:
    reference = parse(entry)
    reframed = MESSAGES_REFRAMINGS[reframing](body_of(entry))
    for chunks in (whole(reframed), bytewise(reframed), random_split(reframed, 7)):
        got = parse_chunks("messages", chunks)
        assert got.events == reference.events
        assert got.result == reference.result
        assert got.failure is None
        check_invariants(got.events)


# -- an independent reference reader ---------------------------------------------------------

_STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def reference_messages(body: bytes) -> dict[str, Any]:
    """Read a Messages stream the plain way: every ``data:`` line is one JSON event, blocks
    are folded by their index, and a block is finished at its ``content_block_stop``."""
    open_blocks: dict[int, dict[str, Any]] = {}
    finished: list[tuple[int, dict[str, Any]]] = []
    calls: list[dict[str, Any]] = []
    text: list[str] = []
    thoughts: list[str] = []
    usage: dict[str, Any] = {}
    stop_reason = None
    response_id = model = None
    stopped = False
    for _, data in _sse_payloads(body):
        event = json.loads(data)
        kind = event["type"]
        if kind == "message_start":
            response_id, model = event["message"]["id"], event["message"]["model"]
            usage = dict(event["message"].get("usage") or {})
        elif kind == "content_block_start":
            block = copy.deepcopy(event["content_block"])
            state: dict[str, Any] = {"block": block, "json": "", "thinking": False}
            if block["type"] == "tool_use":
                state["call"] = {"id": block["id"], "name": block["name"], "arguments": ""}
                calls.append(state["call"])
            open_blocks[event["index"]] = state
        elif kind == "content_block_delta":
            state = open_blocks[event["index"]]
            block, delta = state["block"], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
                text.append(delta["text"])
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                state["json"] += delta["partial_json"]
                if "call" in state:
                    state["call"]["arguments"] += delta["partial_json"]
            elif delta["type"] == "citations_delta":
                block["citations"] = [*(block.get("citations") or []), delta["citation"]]
            elif delta["type"] == "compaction_delta":
                block["content"] = (block["content"] or "") + delta["content"]
            else:
                raise AssertionError(f"a delta the reference does not know: {delta['type']}")
        elif kind == "content_block_stop":
            state = open_blocks.pop(event["index"])
            block = state["block"]
            if state["json"]:
                try:
                    block["input"] = json.loads(state["json"])
                except ValueError:
                    block["input"] = state["json"]
            elif "call" in state:
                state["call"]["arguments"] = "{}"
            if block["type"] == "thinking" and block["thinking"]:
                thoughts.append(block["thinking"])
            finished.append((event["index"], block))
        elif kind == "message_delta":
            stop_reason = event["delta"]["stop_reason"]
            usage.update((k, v) for k, v in (event.get("usage") or {}).items() if v is not None)
        elif kind == "message_stop":
            stopped = True
        else:
            assert kind == "ping", kind
    billed = usage
    iterations = [i for i in usage.get("iterations") or () if i.get("model") in (None, model)]
    if iterations:  # usage as billed: the sum over this model's iterations
        billed = {
            key: sum(i.get(key) or 0 for i in iterations)
            for key in (
                "input_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
                "output_tokens",
            )
        }
    fresh = billed.get("input_tokens") or 0
    written = billed.get("cache_creation_input_tokens")
    read = billed.get("cache_read_input_tokens")
    total_in = fresh + (written or 0) + (read or 0)
    out = billed.get("output_tokens") or 0
    return {
        "id": response_id,
        "model": model,
        "text": "".join(text),
        "reasoning": "\n\n".join(thoughts),
        "tool_calls": [(c["id"], c["name"], c["arguments"]) for c in calls],
        "blocks": [b for _, b in finished],
        "block_indexes": [i for i, _ in finished],
        "unfinished": sorted(open_blocks),
        "usage": (
            total_in,
            out,
            total_in + out,
            read,
            written,
            (usage.get("output_tokens_details") or {}).get("thinking_tokens"),
        ),
        "finish": (_STOP.get(stop_reason or "", "other"), stop_reason) if stopped else None,
    }


def summary(parsed: Parsed) -> dict[str, Any]:
    r = parsed.result
    u = r.usage
    assert u is not None
    return {
        "id": r.response_id,
        "model": r.model,
        "text": r.text,
        "reasoning": r.reasoning,
        "tool_calls": [(c.id, c.name, c.arguments) for c in r.tool_calls],
        "blocks": r.blocks,
        "block_indexes": [e.index for e in parsed.events if isinstance(e, BlockDone)],
        "unfinished": sorted(parsed.parser.mapper._blocks),  # type: ignore[union-attr]
        "usage": (
            u.input_tokens,
            u.output_tokens,
            u.total_tokens,
            u.cached_tokens,
            u.cache_creation_tokens,
            u.reasoning_tokens,
        ),
        "finish": (r.finish_reason, r.raw_finish_reason),
    }


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_result_matches_the_reference_reading(entry: dict[str, Any]) -> None:
    parsed = parse(entry)
    assert summary(parsed) == reference_messages(body_of(entry))
    for call in parsed.result.tool_calls:
        if not parsed.parser.mapper._blocks:  # type: ignore[union-attr]
            assert call.error is None and call.args == json.loads(call.arguments)


#: Every stream whose blocks all finish (the max_tokens-mid-tool one leaves its tool block
#: open, so no whole message could hold what it streamed).
WHOLE = [e for e in STREAMS if "max_tokens-mid-tool-json" not in e["file"]]


@pytest.mark.parametrize("entry", WHOLE, ids=_ids(WHOLE))
def test_the_whole_message_object_gives_the_same_result(entry: dict[str, Any]) -> None:
    """A non-streamed answer (``feed_json``) maps as if streamed: the message object built
    from the reference reading gives the same text, reasoning, calls, blocks and usage."""
    ref = reference_messages(body_of(entry))
    assert not ref["unfinished"]
    usage = {}
    for _, data in _sse_payloads(body_of(entry)):
        event = json.loads(data)
        if event["type"] == "message_start":
            usage = dict(event["message"]["usage"])
        elif event["type"] == "message_delta":
            usage.update((k, v) for k, v in event["usage"].items() if v is not None)
    message = {
        "id": ref["id"],
        "type": "message",
        "role": "assistant",
        "model": ref["model"],
        "content": ref["blocks"],
        "stop_reason": ref["finish"][1],
        "stop_sequence": None,
        "usage": usage,
    }
    alone = StreamParser("messages")
    events = alone.feed_json(copy.deepcopy(message))
    assert alone.failure is None
    check_invariants(events)
    assert [e.block for e in events if isinstance(e, BlockDone)] == ref["blocks"]
    streamed = parse(entry).result
    got = alone.result
    assert (got.text, got.reasoning, got.blocks, got.usage) == (
        streamed.text,
        streamed.reasoning,
        streamed.blocks,
        streamed.usage,
    )
    assert [(c.id, c.name, c.args) for c in got.tool_calls] == [
        (c.id, c.name, c.args) for c in streamed.tool_calls
    ]
    assert (got.finish_reason, got.raw_finish_reason, got.response_id, got.model) == (
        streamed.finish_reason,
        streamed.raw_finish_reason,
        streamed.response_id,
        streamed.model,
    )


# -- the quirks, named -------------------------------------------------------------------------


def _kinds(result: StreamResult) -> list[str]:
    return [b["type"] for b in result.blocks]


def test_ping_before_between_and_never() -> None:
    for fragment, pings in (
        ("vertex-anthropic_claude-3.7-sonnet__tool-loop-ping-first", 1),  # before any block
        ("zero-arg-tool-pings-between-blocks", 3),  # inside and between blocks
        ("redacted_thinking", 3),
        ("claude-3.5-haiku__text-no-ping", 0),
        ("web_search+citations-no-ping", 0),
    ):
        entry = entry_named(fragment)
        assert (
            body_of(entry).count(b'"type": "ping"') + body_of(entry).count(b'"type":"ping"')
            == pings
        )
        parsed = parse(entry)
        assert isinstance(parsed.events[0], ResponseStarted) and parsed.events[0].id
        assert parsed.parser.mapper.ignored == {}  # ping is known, not skipped as unknown


def test_thinking_after_text_adaptive() -> None:
    r = parse(entry_named("adaptive-thinking-after-text")).result
    assert _kinds(r) == ["text", "thinking", "text"]
    # The first text block is just "\n\n"; the answer comes after the thinking.
    assert r.blocks[0] == {"type": "text", "text": "\n\n"}
    assert r.text == "\n\n1. **Captain Scoop**\n2. **Gullet**"
    assert r.reasoning == r.blocks[1]["thinking"] and r.reasoning.startswith("Brief answer")
    assert r.blocks[1]["signature"]
    assert r.usage is not None and r.usage.reasoning_tokens is None


def test_redacted_thinking_is_kept_opaque_and_is_not_reasoning_text() -> None:
    entry = entry_named("redacted_thinking")
    r = parse(entry).result
    assert _kinds(r) == ["redacted_thinking", "redacted_thinking", "text"]
    starts = [
        json.loads(data)["content_block"]
        for _, data in _sse_payloads(body_of(entry))
        if json.loads(data)["type"] == "content_block_start"
    ]
    assert r.blocks[:2] == starts[:2]
    assert set(r.blocks[0]) == {"type", "data"} and r.blocks[0]["data"].startswith("EqkECkYI")
    assert r.reasoning == ""
    assert r.text.startswith("I notice that you've sent")


@pytest.mark.parametrize(
    ("fragment", "names"),
    [
        ("parallel-zero-arg-tools-gzip", ["pelican_name_generator", "pelican_name_generator"]),
        ("thinking+zero-arg-tool-loop", ["fixed_version"]),
        ("zero-arg-tool-pings-between-blocks", ["updateIssueList"]),
    ],
)
def test_zero_argument_tools_end_with_an_empty_object(fragment: str, names: list[str]) -> None:
    parsed = parse(entry_named(fragment))
    r = parsed.result
    assert [(c.index, c.name, c.arguments, c.args, c.error) for c in r.tool_calls] == [
        (i, name, "{}", {}, None) for i, name in enumerate(names)
    ]
    tool_blocks = [b for b in r.blocks if b["type"] == "tool_use"]
    assert [b["input"] for b in tool_blocks] == [{}] * len(names)
    assert r.finish_reason == "tool_calls" and r.raw_finish_reason == "tool_use"


def test_parallel_tools_are_keyed_by_appearance_not_block_index() -> None:
    parsed = parse(entry_named("claude-sonnet-4__parallel-tools"))
    r = parsed.result
    assert [(c.index, c.id, c.name, c.args) for c in r.tool_calls] == [
        (0, "toolu_01UYxUYC2zRPY8wiutnF48eP", "add", {"a": 2, "b": 3}),
        (1, "toolu_01VaRx1jpWCvPhi7L4kywAcd", "multiply", {"a": 2, "b": 3}),
    ]
    # The calls are content blocks 1 and 2 (block 0 is the text).
    assert [e.index for e in parsed.events if isinstance(e, BlockDone)] == [0, 1, 2]
    assert r.text == "I'll add and multiply the numbers 2 and 3 for you."


MID_TOOL = "max_tokens-mid-tool-json"


def test_max_tokens_mid_tool_json_stays_unparsed() -> None:
    """The tool block never gets its content_block_stop: no BlockDone for it, and the call
    keeps the cut JSON exactly as streamed, unparsed and flagged."""
    parsed = parse(entry_named(MID_TOOL))
    r = parsed.result
    assert (r.finish_reason, r.raw_finish_reason) == ("length", "max_tokens")
    [call] = r.tool_calls
    assert (call.id, call.name) == ("toolu_01EKqbqmZrGRXy18eN7m9kvY", "make_file")
    assert call.arguments.startswith('{"filename": "taxes.txt", "lines_of_text": [')
    assert call.arguments.endswith('\n"Filing taxes')
    assert call.args is None and call.error is not None
    assert _kinds(r) == ["text"]
    assert [e.index for e in parsed.events if isinstance(e, BlockDone)] == [0]


def test_max_tokens_mid_tool_json_final_event_without_a_newline() -> None:
    """The body ends ``data: {"type":"message_stop" }`` with no line end at all. The WHATWG
    algorithm would drop that unterminated event (the stream would then be incomplete); our
    SSEDecoder.flush dispatches it (a documented departure, sse.py), so the stream ends
    normally with max_tokens. Without that last event it is an IncompleteStreamError that
    keeps the partial result."""
    body = body_of(entry_named(MID_TOOL))
    assert body.endswith(b'data: {"type":"message_stop" }')
    parser = StreamParser("messages")
    events = parser.feed(body)
    assert not parser.finished  # the last line is still buffered...
    events += parser.close()  # ...and dispatched at the end of the body
    assert parser.failure is None and parser.result.finish_reason == "length"
    assert events[-1].kind == "finish"

    cut = body[: body.rindex(b"event: message_stop")]
    parsed = parse_chunks("messages", [cut])
    failure = parsed.failure
    assert isinstance(failure, errors.IncompleteStreamError)
    assert "without message_stop" in failure.message
    assert failure.partial is not None and failure.partial.finish_reason is None
    assert failure.partial.tool_calls[0].args is None
    assert failure.output_received
    check_invariants(parsed.events, finished=False)


def test_stop_sequence() -> None:
    r = parse(entry_named("stop_sequence")).result
    assert (r.finish_reason, r.raw_finish_reason) == ("stop", "stop_sequence")
    assert r.text.startswith("\ndef pelican():")
    assert "```" not in r.text  # the server stopped at it: nothing is cut client-side


def test_refusal_is_content_filter() -> None:
    r = parse(entry_named("refusal+thinking")).result
    assert (r.finish_reason, r.raw_finish_reason) == ("content_filter", "refusal")
    assert r.text == "Hi"
    assert r.reasoning.startswith("Simple educational question")
    assert r.usage is not None and r.usage.reasoning_tokens == 67


def test_pause_turn_is_other_with_the_raw_reason() -> None:
    r = parse(entry_named("pause_turn-web-search")).result
    assert (r.finish_reason, r.raw_finish_reason) == ("other", "pause_turn")
    assert r.tool_calls == []  # ten web searches, all run by the server
    assert len(r.blocks) == 25
    assert r.blocks[-1]["type"] == "server_tool_use"  # paused before its result
    assert r.blocks[-1]["input"] == {
        "query": "latest news on the air quality in San Francisco today"
    }
    assert r.usage is not None and r.usage.reasoning_tokens == 261


@pytest.mark.parametrize(
    ("fragment", "kinds", "server_name", "server_input"),
    [
        (
            "web_search+citations",
            ["server_tool_use", "web_search_tool_result", *["text"] * 10],
            "web_search",
            {"query": "San Francisco weather today"},
        ),
        (
            "code-execution+thinking",
            ["thinking", "text", "server_tool_use", "bash_code_execution_tool_result", "text"],
            "bash_code_execution",
            None,
        ),
        (
            "mcp-tool+thinking",
            ["thinking", "mcp_tool_use", "mcp_tool_result", "text"],
            "ask_question",
            None,
        ),
        (
            "thinking-signature-only+advisor",
            ["thinking", "text", "server_tool_use", "advisor_tool_result", "text"],
            "advisor",
            {},
        ),
    ],
)
def test_server_tools_are_blocks_not_tool_calls(
    fragment: str, kinds: list[str], server_name: str, server_input: dict[str, Any] | None
) -> None:
    parsed = parse(entry_named(fragment))
    r = parsed.result
    assert r.tool_calls == []
    assert not any(e.kind == "tool_call" for e in parsed.events)
    assert _kinds(r) == kinds
    [server] = [b for b in r.blocks if b["type"] in ("server_tool_use", "mcp_tool_use")]
    assert server["name"] == server_name
    assert isinstance(server["input"], dict)  # streamed as input_json_delta, parsed
    if server_input is not None:
        assert server["input"] == server_input
    result_block = r.blocks[kinds.index(server["type"]) + 1]
    assert result_block["tool_use_id"] == server["id"]


def test_web_search_citations_stay_on_their_text_blocks() -> None:
    r = parse(entry_named("web_search+citations")).result
    texts = [b for b in r.blocks if b["type"] == "text"]
    # A cited block starts with "citations": [] and gets one citations_delta; the others
    # start (and stay) without the key.
    cited = [b for b in texts if "citations" in b]
    assert len(cited) == 5 and all(len(b["citations"]) == 1 for b in cited)
    assert cited[0]["citations"][0]["type"] == "web_search_result_location"
    assert cited[0]["citations"][0]["url"] == (
        "https://www.wunderground.com/hourly/us/ca/san-francisco"
    )
    assert r.text == "".join(b["text"] for b in texts)


def test_mcp_tool_input_is_parsed_from_17_fragments() -> None:
    r = parse(entry_named("mcp-tool+thinking")).result
    [mcp] = [b for b in r.blocks if b["type"] == "mcp_tool_use"]
    assert mcp["server_name"] == "deepwiki"
    assert mcp["input"]["repoName"] == "pydantic/pydantic-ai"


def test_tool_search_then_a_client_tool() -> None:
    parsed = parse(entry_named("tool-search+tool-loop"))
    r = parsed.result
    assert _kinds(r) == ["text", "server_tool_use", "tool_search_tool_result", "text", "tool_use"]
    assert [(c.index, c.name, c.args) for c in r.tool_calls] == [
        (0, "get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"})
    ]


def test_compaction_block_kept_with_its_content() -> None:
    r = parse(entry_named("compaction+cache_read")).result
    assert r.blocks[0]["type"] == "compaction"
    assert r.blocks[0]["content"].startswith("The user provided a very long context")
    assert r.text == "Hello! 👋"


@pytest.mark.parametrize(
    ("fragment", "usage"),
    [
        # (input incl. cache, output, total, cache read, cache written)
        ("max_tokens+cache_creation", (18 + 1031, 100, 1149, 0, 1031)),
        ("max_tokens+cache_read", (11 + 1031, 100, 1142, 1031, 0)),
        # Usage as billed: the top-level counts are the last iteration's (181 in, 8 out);
        # the compaction iteration (100 in + 55,096 cache read, 83 out) is billed too.
        ("compaction+cache_read", (281 + 55096, 91, 281 + 55096 + 91, 55096, 0)),
        # Old minimal usage: no cache fields at all.
        ("claude-3-haiku__text-2024-minimal-usage", (17, 171, 188, None, None)),
    ],
)
def test_cache_creation_and_read_are_in_the_input_total(
    fragment: str, usage: tuple[Any, ...]
) -> None:
    u = parse(entry_named(fragment)).result.usage
    assert u is not None
    assert (
        u.input_tokens,
        u.output_tokens,
        u.total_tokens,
        u.cached_tokens,
        u.cache_creation_tokens,
    ) == usage


@pytest.mark.parametrize(
    ("fragment", "start", "final"),
    [
        ("anthropic-compat-gateway_claude-opus-4.5__message_delta-input_tokens", 43, 61),
        ("web_search+citations", 2039, 10423),
        ("thinking-signature-only+advisor", 1128, 2411),
        ("pause_turn-web-search", 2479, 404500),
    ],
)
def test_message_delta_input_tokens_win_over_message_start(
    fragment: str, start: int, final: int
) -> None:
    entry = entry_named(fragment)
    assert f'"input_tokens":{start}'.encode() in body_of(entry)
    parsed = parse(entry)
    assert parsed.result.usage is not None and parsed.result.usage.input_tokens == final
    assert sum(e.kind == "usage" for e in parsed.events) == 1
    assert [e.kind for e in parsed.events[-2:]] == ["usage", "finish"]


def test_gzip_stored_recordings_are_plain_sse_here() -> None:
    gzip_stored = [
        e for e in STREAMS if "gzip" in e["file"] or "stop_sequence__llm-anthropic" in e["file"]
    ]
    assert len(gzip_stored) == 3
    for entry in gzip_stored:
        body = body_of(entry)
        assert not body.startswith(b"\x1f\x8b") and body.startswith(b"event: message_start")
        assert parse(entry).failure is None


def test_vertex_recording() -> None:
    parsed = parse(entry_named("vertex-anthropic_claude-3.7-sonnet"))
    r = parsed.result
    assert r.response_id is not None and r.response_id.startswith("msg_vrtx_")
    assert r.model == "claude-3-7-sonnet-20250219"
    assert [(c.id, c.name, c.args) for c in r.tool_calls] == [
        ("toolu_vrtx_01JhPy9eXqgjLWmUpoCiEkCs", "weather", {"location": "Florence,Italy"})
    ]
    assert r.usage is not None and r.usage.cache_creation_tokens == 0
    second = parse(entry_named("vertex-anthropic_claude-3.7-sonnet", 1)).result
    assert second.finish_reason == "stop" and second.text.startswith("Currently, the weather")


def test_thinking_signature_only_block() -> None:
    r = parse(entry_named("thinking-signature-only+advisor")).result
    assert r.blocks[0]["type"] == "thinking"
    assert r.blocks[0]["thinking"] == "" and r.blocks[0]["signature"]
    assert r.reasoning == ""
    assert r.usage is not None and r.usage.reasoning_tokens == 47


# -- error bodies ----------------------------------------------------------------------------

ERROR_EXPECTATIONS: dict[str, tuple[type[errors.APIStatusError], str, str]] = {
    "err__anthropic-messages__400-invalid_request_error__dd-trace-py__0.body": (
        errors.BadRequestError,
        "invalid_request_error",
        "messages.0: Input does not match the expected shape.",
    ),
    "err__anthropic-messages__401-authentication_error__dd-trace-py__0.body": (
        errors.AuthenticationError,
        "authentication_error",
        "invalid x-api-key",
    ),
    "err__anthropic-messages__404-not_found_error-stream-request__otel-contrib__0.body": (
        errors.NotFoundError,
        "not_found_error",
        "model: invalid-model-name",
    ),
}


def test_every_error_recording_has_an_expectation() -> None:
    assert sorted(e["file"] for e in ERRORS) == sorted(ERROR_EXPECTATIONS)


@pytest.mark.parametrize("entry", ERRORS, ids=_ids(ERRORS))
def test_error_bodies_map_to_typed_errors(entry: dict[str, Any]) -> None:
    cls, kind, message = ERROR_EXPECTATIONS[entry["file"]]
    headers = httpx.Headers({"content-type": "application/json", "request-id": "req_1"})
    err = api_error(entry["status"], headers, body_of(entry))
    assert type(err) is cls
    assert (err.status_code, err.type, err.message, err.code) == (
        entry["status"],
        kind,
        message,
        None,
    )
    assert err.request_id == "req_1"
    assert err.retryable is False


def test_the_request_id_beside_an_anthropic_error_object_is_read() -> None:
    """Anthropic puts ``request_id`` beside the error object; the header wins when both say."""
    entry = next(e for e in ERRORS if "404-not_found_error" in e["file"])
    bare = httpx.Headers({"content-type": "application/json"})
    assert api_error(404, bare, body_of(entry)).request_id == "req_011CaStaVbvatZBsVSEdCNup"
    headed = httpx.Headers({"content-type": "application/json", "request-id": "req_h"})
    assert api_error(404, headed, body_of(entry)).request_id == "req_h"
    frame = {**OVERLOADED, "request_id": "req_s"}
    body = _frame({"type": "message_start", "message": {"id": "m", "usage": {}}}) + _frame(frame)
    failure = parse_chunks("messages", whole(body)).failure
    assert isinstance(failure, errors.StreamError) and failure.request_id == "req_s"
    assert "request_id" not in failure.extra


OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def test_529_overloaded_body_is_a_retryable_internal_server_error() -> None:
    err = api_error(529, httpx.Headers({}), json.dumps(OVERLOADED).encode())
    assert type(err) is errors.InternalServerError
    assert (err.type, err.message, err.retryable) == ("overloaded_error", "Overloaded", True)


def _frame(obj: dict[str, Any]) -> bytes:
    return f"event: {obj['type']}\ndata: {json.dumps(obj)}\n\n".encode()


def test_in_stream_overloaded_error_after_some_text() -> None:
    body = b"".join(
        _frame(o)
        for o in (
            {"type": "message_start", "message": {"id": "msg_1", "model": "m", "usage": {}}},
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "Hel"},
            },
            OVERLOADED,
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "lo"},
            },
        )
    )
    for chunks in (whole(body), bytewise(body)):
        parsed = parse_chunks("messages", chunks)
        assert [type(e) for e in parsed.events] == [ResponseStarted, TextDelta]
        failure = parsed.failure
        assert isinstance(failure, errors.StreamError)
        assert (failure.type, failure.message, failure.retryable) == (
            "overloaded_error",
            "Overloaded",
            True,
        )
        assert failure.body == OVERLOADED
        assert failure.partial is not None and failure.partial.text == "Hel"
        assert failure.output_received
        check_invariants(parsed.events, finished=False)


def test_in_stream_error_as_the_first_frame_and_retryable_overrides() -> None:
    parsed = parse_chunks("messages", [_frame(OVERLOADED)])
    assert parsed.events == []
    assert isinstance(parsed.failure, errors.StreamError) and parsed.failure.retryable
    assert not parsed.failure.output_received

    said_no = {"type": "error", "error": {**OVERLOADED["error"], "retryable": False}}
    parsed = parse_chunks("messages", [_frame(said_no)])
    assert isinstance(parsed.failure, errors.StreamError) and not parsed.failure.retryable

    invalid = {"type": "error", "error": {"type": "invalid_request_error", "message": "no"}}
    parsed = parse_chunks("messages", [_frame(invalid)])
    assert isinstance(parsed.failure, errors.StreamError) and not parsed.failure.retryable


# -- tool loops: the second request rebuilt from the first answer ------------------------------


def _request(entry: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(entry["request_body"])
    return body


def _neutral_tools(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The recorded Anthropic tools as neutral Chat-shaped function tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t["description"],
                "parameters": t["input_schema"],
            },
        }
        for t in request["tools"]
    ]


def _second_turn(first: dict[str, Any], second: dict[str, Any], *, native: bool) -> list[Any]:
    """The neutral conversation for turn two: interaction 0's user message, the assistant
    message built from interaction 0's parsed result, and the tool results as recorded."""
    result = parse(first).result
    assistant: dict[str, Any] = {"role": "assistant", "content": result.text or None}
    if native:
        assistant["blocks"] = result.blocks
    else:
        assistant["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in result.tool_calls
        ]
        assistant["thinking_blocks"] = [
            b for b in result.blocks if b["type"] in ("thinking", "redacted_thinking")
        ]
    [user] = _request(first)["messages"]
    tool_results = second["messages"][2]["content"]
    return [
        {"role": "user", "content": user["content"]},
        assistant,
        *(
            {"role": "tool", "tool_call_id": r["tool_use_id"], "content": r["content"]}
            for r in tool_results
        ),
    ]


THINKING_LOOPS = [
    "thinking+tool-loop-signature-replay__fantasy",
    "thinking+zero-arg-tool-loop__llm-anthropic",
]


@pytest.mark.parametrize("fragment", THINKING_LOOPS)
def test_thinking_tool_loop_second_request_is_rebuilt_exactly(fragment: str) -> None:
    first, second = entry_named(fragment, 0), entry_named(fragment, 1)
    recorded = _request(second)
    conversation = _second_turn(first, recorded, native=False)
    system = recorded.get("system")
    if system:  # fantasy sends its system prompt as a list of one text block
        conversation.insert(0, {"role": "system", "content": system})
    params = {k: recorded[k] for k in ("max_tokens", "temperature", "thinking") if k in recorded}
    body = build_body(
        "messages",
        model=recorded["model"],
        messages=conversation,
        tools=_neutral_tools(recorded),
        tool_choice="auto" if "tool_choice" in recorded else None,
        params=params,
    )
    # The signed thinking block goes back first in the assistant turn, exactly.
    [recorded_thinking] = [b for b in recorded["messages"][1]["content"] if b["type"] == "thinking"]
    assert body["messages"][1]["content"][0] == recorded_thinking
    # The whole messages array is the recorded one: the user turn, the assistant turn
    # (thinking, then tool_use with its input as an object), the tool results.
    assert body["messages"] == recorded["messages"]
    assert body["tools"] == recorded["tools"]
    # What differs outside ``messages``, and why: fantasy sends ``system`` as a list of one
    # text block (we send a string unless a block has a cache marker) and spells out the
    # default ``disable_parallel_tool_use: false`` (we send it only when true).
    expected = dict(recorded)
    if system:
        expected["system"] = system[0]["text"]
    if expected.get("tool_choice") == {"disable_parallel_tool_use": False, "type": "auto"}:
        expected["tool_choice"] = {"type": "auto"}
    assert body == expected


@pytest.mark.parametrize("fragment", THINKING_LOOPS)
def test_thinking_tool_loop_replayed_from_native_blocks(fragment: str) -> None:
    """``blocks=result.blocks`` sends the answer's blocks verbatim. The only difference from
    the recorded request: the server put ``caller: {"type": "direct"}`` on the streamed
    tool_use block, which we keep (it is the block as the API sent it) and both clients
    dropped when they rebuilt the block."""
    first, second = entry_named(fragment, 0), entry_named(fragment, 1)
    recorded = _request(second)
    body = build_body(
        "messages",
        model=recorded["model"],
        messages=_second_turn(first, recorded, native=True),
        params={"max_tokens": recorded["max_tokens"]},
    )
    sent = body["messages"][1]["content"]
    assert [b.pop("caller") for b in sent if b["type"] == "tool_use"] == [{"type": "direct"}]
    assert body["messages"] == recorded["messages"]


@pytest.mark.parametrize(
    "fragment",
    [
        "claude-sonnet-4__text+tool-then-text__fantasy",
        "claude-sonnet-4__parallel-tools__fantasy",
        "vertex-anthropic_claude-3.7-sonnet__tool-loop-ping-first",
    ],
)
def test_plain_tool_loop_second_request_messages(fragment: str) -> None:
    """The other recorded loops with a text answer and client tools: the same rebuild gives
    the recorded ``messages`` (text block, tool_use blocks, tool results in one user turn)."""
    first, second = entry_named(fragment, 0), entry_named(fragment, 1)
    recorded = _request(second)
    body = build_body(
        "messages",
        model="m",
        messages=_second_turn(first, recorded, native=False),
    )
    assert body["messages"] == recorded["messages"]


def test_pause_turn_continuation_sends_the_paused_blocks_back() -> None:
    """pydantic-ai's continuation ends with the paused assistant turn. Sent from ``blocks``
    it is the same content, block for block, but for two things in the recorded request:
    pydantic-ai rebuilt the blocks without the ``caller`` the server put on every
    web_search_tool_result, and the recorded request has ASCII where five search result
    titles had an en dash (U+2013) and five a right single quote (U+2019) in the streamed
    answer ("®" and "·" survived): the cassette's request text was folded, the answer's
    was not. Those ten characters are folded here the same way before comparing."""
    first = entry_named("pause_turn-web-search", 0)
    recorded = _request(entry_named("pause_turn-web-search", 1))
    blocks = parse(first).result.blocks
    [user, paused] = recorded["messages"]
    body = build_body(
        "messages",
        model=recorded["model"],
        messages=[
            {"role": "user", "content": user["content"]},
            {"role": "assistant", "content": None, "blocks": blocks},
        ],
    )
    assert body["messages"][1]["content"] == blocks  # verbatim
    sent = copy.deepcopy(body["messages"][1]["content"])
    callers = [b.pop("caller") for b in sent if "caller" in b]
    assert callers == [{"type": "direct"}] * 10
    text = json.dumps(sent, ensure_ascii=False)
    assert (text.count("\u2013"), text.count("\u2019")) == (5, 5)
    folded = text.replace("\u2013", "-").replace("\u2019", "'")
    assert json.loads(folded) == paused["content"]


# -- synthetic streams: what no recording shows ---------------------------------------------


def _stream(*objs: dict[str, Any]) -> Parsed:
    body = b"".join(_frame(o) for o in objs)
    parsed = parse_chunks("messages", whole(body))
    again = parse_chunks("messages", bytewise(body))
    assert again.events == parsed.events and type(again.failure) is type(parsed.failure)
    check_invariants(parsed.events, finished=parsed.failure is None)
    return parsed


def _start(usage: dict[str, Any] | None = None) -> dict[str, Any]:
    message = {"id": "msg_1", "model": "claude-x", "content": [], "usage": usage or {}}
    return {"type": "message_start", "message": message}


def _block(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, **delta: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def _end(reason: str | None = "end_turn", usage: dict[str, Any] | None = None) -> list[Any]:
    delta = {"type": "message_delta", "delta": {"stop_reason": reason}, "usage": usage or {}}
    return [delta, {"type": "message_stop"}]


def test_two_thinking_blocks_are_separate_paragraphs() -> None:
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    parsed = _stream(
        _start(),
        _block(0, thinking),
        _delta(0, type="thinking_delta", thinking="First."),
        _delta(0, type="signature_delta", signature="s1"),
        _stop(0),
        _block(1, {"type": "redacted_thinking", "data": "opaque"}),
        _stop(1),
        _block(2, thinking),
        _delta(2, type="thinking_delta", thinking="Second"),
        _delta(2, type="thinking_delta", thinking="."),
        _delta(2, type="signature_delta", signature="s2"),
        _stop(2),
        *_end(),
    )
    r = parsed.result
    assert r.reasoning == "First.\n\nSecond."
    assert r.blocks == [
        {"type": "thinking", "thinking": "First.", "signature": "s1"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "thinking", "thinking": "Second.", "signature": "s2"},
    ]


def test_unknown_event_delta_and_block_types() -> None:
    parsed = _stream(
        _start(),
        {"type": "message_brand_new", "x": 1},
        _block(0, {"type": "hologram", "frames": []}),
        _delta(0, type="hologram_delta", frame=1),
        _stop(0),
        _block(1, {"type": "text", "text": ""}),
        _delta(1, type="text_delta", text="ok"),
        _stop(1),
        *_end(),
    )
    assert parsed.result.text == "ok"
    assert parsed.result.blocks[0] == {"type": "hologram", "frames": []}  # opaque, as started
    assert parsed.parser.mapper.ignored == {"message_brand_new": 1, "hologram_delta": 1}


def test_tool_json_that_does_not_parse_is_kept_raw() -> None:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
    parsed = _stream(
        _start(),
        _block(0, tool),
        _delta(0, type="input_json_delta", partial_json='{"a": '),
        _delta(0, type="input_json_delta", partial_json=""),
        _delta(0, type="input_json_delta", partial_json="tru"),
        _stop(0),
        *_end("tool_use"),
    )
    [call] = parsed.result.tool_calls
    assert (call.arguments, call.args) == ('{"a": tru', None) and call.error
    assert parsed.result.blocks == [{**tool, "input": '{"a": tru'}]
    # The empty partial_json produced no delta.
    assert sum(e.kind == "tool_call" for e in parsed.events) == 3


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "other"),
        ("brand_new_reason", "other"),
    ],
)
def test_stop_reasons(reason: str, expected: str) -> None:
    r = _stream(_start(), *_end(reason)).result
    assert (r.finish_reason, r.raw_finish_reason) == (expected, reason)


def test_usage_merge_rules() -> None:
    start = {
        "input_tokens": 10,
        "cache_creation_input_tokens": 5,
        "cache_read_input_tokens": 100,
        "output_tokens": 1,
    }
    # Null and absent fields in message_delta keep message_start's values.
    usage = {"input_tokens": None, "output_tokens": 20, "reasoning_tokens": 7}
    u = _stream(_start(start), *_end("end_turn", usage)).result.usage
    assert u is not None
    assert (u.input_tokens, u.output_tokens, u.total_tokens) == (115, 20, 135)
    assert (u.cached_tokens, u.cache_creation_tokens, u.reasoning_tokens) == (100, 5, 7)


def test_no_message_start_still_starts_first() -> None:
    parsed = _stream(
        _block(0, {"type": "text", "text": ""}), _delta(0, type="text_delta", text="x"), _stop(0)
    )
    assert isinstance(parsed.events[0], ResponseStarted) and parsed.events[0].id is None
    assert isinstance(parsed.failure, errors.IncompleteStreamError)


def test_done_line_is_no_terminal_event() -> None:
    text = [
        _start(),
        _block(0, {"type": "text", "text": ""}),
        _delta(0, type="text_delta", text="x"),
    ]
    body = b"".join(_frame(o) for o in text) + b"data: [DONE]\n\n"
    parsed = parse_chunks("messages", [body])
    assert isinstance(parsed.failure, errors.IncompleteStreamError)
    assert parsed.parser.mapper.saw_done
    finished = b"".join(_frame(o) for o in [*text, _stop(0), *_end()]) + b"data: [DONE]\n\n"
    assert parse_chunks("messages", [finished]).failure is None


@pytest.mark.parametrize(
    "bad",
    [
        _delta(5, type="text_delta", text="x"),  # a block that never started
        _delta(0, type="text_delta", text=7),
        _delta(0, type="thinking_delta", thinking=["x"]),
        _delta(0, type="input_json_delta", partial_json=None),
        {"type": "content_block_start", "index": 1},  # no content_block
    ],
)
def test_wrong_wire_shapes_are_malformed_after_what_came_intact(bad: dict[str, Any]) -> None:
    parsed = _stream(_start(), _block(0, {"type": "text", "text": ""}), bad)
    assert isinstance(parsed.failure, errors.MalformedStreamError)
    assert "Messages" in parsed.failure.message
    assert isinstance(parsed.events[0], ResponseStarted)


def test_whole_message_objects_error_and_garbage() -> None:
    parser = StreamParser("messages")
    assert parser.feed_json(OVERLOADED) == []
    assert isinstance(parser.failure, errors.StreamError) and parser.failure.retryable
    parser = StreamParser("messages")
    parser.feed_json({"choices": []})
    assert isinstance(parser.failure, errors.MalformedStreamError)
    assert "messages response" in parser.failure.message


def test_whole_message_with_text_thinking_and_a_tool() -> None:
    message = {
        "id": "msg_2",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [
            {"type": "thinking", "thinking": "Hmm.", "signature": "sig"},
            {"type": "text", "text": "Calling.", "citations": None},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": "é"}},
            {"type": "tool_use", "id": "toolu_2", "name": "g", "input": {}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }
    parser = StreamParser("messages")
    events = parser.feed_json(copy.deepcopy(message))
    check_invariants(events)
    r = parser.result
    assert (r.text, r.reasoning, r.blocks) == ("Calling.", "Hmm.", message["content"])
    assert [(c.index, c.id, c.name, c.args) for c in r.tool_calls] == [
        (0, "toolu_1", "f", {"a": "é"}),
        (1, "toolu_2", "g", {}),
    ]
    assert (r.finish_reason, r.response_id, r.model) == ("tool_calls", "msg_2", "claude-x")
    assert r.usage is not None and r.usage.total_tokens == 7


@pytest.mark.parametrize("kind", ["text", "thinking", "tool"])
def test_a_long_block_is_held_as_text_not_as_one_string_per_token(kind: str) -> None:
    """A streaming block keeps its pieces for the finished block (signatures, citations,
    replay); one ``str`` per token would cost ~55 bytes of header each, ten times the text."""
    import tracemalloc

    starts = {
        "text": ({"type": "text", "text": ""}, "text_delta", "text"),
        "thinking": ({"type": "thinking", "thinking": ""}, "thinking_delta", "thinking"),
        "tool": (
            {"type": "tool_use", "id": "t", "name": "f", "input": {}},
            "input_json_delta",
            "partial_json",
        ),
    }
    block, dtype, field = starts[kind]
    head = _frame({"type": "message_start", "message": {"id": "m", "usage": {}}})
    head += _frame({"type": "content_block_start", "index": 0, "content_block": block})
    pieces = ['{"a": "'] + ["abcd"] * 40_000 + ['"}'] if kind == "tool" else ["abcd"] * 40_000
    frames = [
        _frame({"type": "content_block_delta", "index": 0, "delta": {"type": dtype, field: p}})
        for p in pieces
    ]
    parser = StreamParser("messages")
    parser.feed(head)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for frame in frames:
            parser.feed(frame)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    text = 4 * 40_000
    assert grown < 4 * text, grown  # the accumulator's copy, the block's, and slack
    done = parser.feed(_frame({"type": "content_block_stop", "index": 0}))
    finished = [e for e in done if isinstance(e, BlockDone)]
    assert len(finished) == 1
    value = finished[0].block["input"] if kind == "tool" else finished[0].block[field]
    assert value == ({"a": "abcd" * 40_000} if kind == "tool" else "abcd" * 40_000)
