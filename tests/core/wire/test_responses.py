"""Responses streams no recording happens to show: reasoning, arguments, keying, incomplete
and failed responses, unknown and documented event types, refusals, and random streams
against their own terminal object."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemon_adapters.core import errors
from lemon_adapters.core.errors import (
    IncompleteStreamError,
    StreamError,
)
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.wire.parser import StreamParser
from lemon_adapters.core.wire.sse import ServerSentEvent
from tests.core.wire.synthetic import PIECE, calls, resp, run, sse, terminal
from tests.invariants import check_invariants


def test_responses_reasoning_only_in_output_item_done() -> None:
    item = {
        "id": "rs1",
        "type": "reasoning",
        "summary": [
            {"type": "summary_text", "text": "Plan A."},
            {"type": "summary_text", "text": "Plan B."},
        ],
    }
    body = sse(
        resp("response.created", response={"id": "r1", "model": "m"}),
        resp("response.output_item.done", output_index=0, item=item),
        resp("response.output_text.delta", item_id="m1", content_index=0, delta="Hi"),
        terminal(output=[item]),
        done=False,
    )
    _, parser = run("responses", body)
    assert parser.result.reasoning == "Plan A.\n\nPlan B."
    assert parser.result.text == "Hi"


def test_responses_raw_reasoning_text_deltas() -> None:
    body = sse(
        resp("response.reasoning_text.delta", item_id="rs1", content_index=0, delta="Think"),
        resp("response.reasoning_text.delta", item_id="rs1", content_index=0, delta="ing."),
        terminal(),
        done=False,
    )
    events, parser = run("responses", body)
    assert parser.result.reasoning == "Thinking."
    # No response.created: ResponseStarted still comes first, and the terminal object
    # supplies the id and model.
    assert events[0].kind == "response_started"
    assert (parser.result.response_id, parser.result.model) == ("r1", "m")


def test_responses_arguments_only_in_done_events() -> None:
    added = {
        "id": "fc1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
    }
    body = sse(
        resp("response.output_item.added", output_index=0, item=added),
        resp(
            "response.function_call_arguments.done",
            item_id="fc1",
            output_index=0,
            arguments='{"x":1}',
        ),
        resp("response.output_item.done", output_index=0, item={**added, "arguments": '{"x":1}'}),
        terminal(output=[{**added, "arguments": '{"x":1}'}]),
        done=False,
    )
    _events, parser = run("responses", body)
    assert calls(parser) == [(0, "call_1", "f", '{"x":1}')]
    assert parser.result.finish_reason == "tool_calls"


def test_responses_calls_keyed_by_output_index_without_item_id() -> None:
    body = sse(
        resp(
            "response.output_item.added",
            output_index=0,
            item={"id": "fc1", "type": "function_call", "call_id": "c1", "name": "f"},
        ),
        resp(
            "response.output_item.added",
            output_index=1,
            item={"id": "fc2", "type": "function_call", "call_id": "c2", "name": "g"},
        ),
        resp("response.function_call_arguments.delta", output_index=1, delta="{}"),
        resp("response.function_call_arguments.delta", output_index=0, delta='{"a":'),
        resp("response.function_call_arguments.delta", output_index=0, delta="1}"),
        terminal(),
        done=False,
    )
    _, parser = run("responses", body)
    assert calls(parser) == [(0, "c1", "f", '{"a":1}'), (1, "c2", "g", "{}")]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("max_output_tokens", "length"), ("content_filter", "content_filter"), (None, "length")],
)
def test_responses_incomplete_reasons(reason: str | None, expected: str) -> None:
    details = {"reason": reason} if reason else None
    body = sse(terminal("response.incomplete", incomplete_details=details), done=False)
    _, parser = run("responses", body)
    assert parser.result.finish_reason == expected


def test_responses_failed_and_error_events() -> None:
    failed = resp(
        "response.failed",
        response={
            "id": "r1",
            "status": "failed",
            "error": {"code": "server_error", "message": "The model crashed"},
        },
    )
    _, parser = run("responses", sse(failed, done=False))
    assert isinstance(parser.failure, StreamError)
    assert (parser.failure.code, parser.failure.message) == ("server_error", "The model crashed")

    error = {"type": "error", "code": "rate_limit_exceeded", "message": "slow down", "param": None}
    _, parser = run("responses", sse(error, done=False))
    assert isinstance(parser.failure, StreamError) and parser.failure.code == "rate_limit_exceeded"


def test_responses_unknown_event_types_are_counted_and_ignored() -> None:
    body = sse(
        resp("response.brand_new.delta", delta="?"),
        resp("response.output_text.delta", item_id="m", content_index=0, delta="ok"),
        terminal(),
        done=False,
    )
    _, parser = run("responses", body)
    assert parser.result.text == "ok"
    assert parser.mapper.ignored == {"response.brand_new.delta": 1}  # type: ignore[union-attr]


def test_responses_done_before_terminal_is_incomplete() -> None:
    body = sse(resp("response.output_text.delta", item_id="m", content_index=0, delta="x"))
    _, parser = run("responses", body)
    assert isinstance(parser.failure, IncompleteStreamError)
    assert parser.failure.partial is not None and parser.failure.partial.text == "x"


def test_responses_duplicate_sequence_numbers_are_skipped() -> None:
    d1 = resp(
        "response.output_text.delta", item_id="m", content_index=0, delta="a", sequence_number=1
    )
    d2 = resp(
        "response.output_text.delta", item_id="m", content_index=0, delta="b", sequence_number=2
    )
    body = sse(d1, d2, d1, d2, {**terminal(), "sequence_number": 3}, done=False)
    _, parser = run("responses", body)
    assert parser.result.text == "ab"


def test_responses_refusal_streamed_or_only_in_the_final_item() -> None:
    refusal_item = {
        "id": "m1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "refusal", "refusal": "I can't help with that."}],
    }
    streamed = sse(
        resp("response.refusal.delta", item_id="m1", content_index=0, delta="I can't "),
        resp("response.refusal.delta", item_id="m1", content_index=0, delta="help with that."),
        resp("response.output_item.done", output_index=0, item=refusal_item),
        terminal(output=[refusal_item]),
        done=False,
    )
    only_final = sse(terminal(output=[refusal_item]), done=False)
    for body in (streamed, only_final):
        _, parser = run("responses", body)
        assert parser.result.refusal == "I can't help with that."
        assert parser.result.text == ""


#: Every server event type in openai-python 2.54's ``ResponseStreamEvent`` union (the
#: Responses streaming reference), copied here so the check does not depend on the SDK.
DOCUMENTED_RESPONSES_EVENTS = [
    "error",
    "response.audio.delta",
    "response.audio.done",
    "response.audio.transcript.delta",
    "response.audio.transcript.done",
    "response.code_interpreter_call.completed",
    "response.code_interpreter_call.in_progress",
    "response.code_interpreter_call.interpreting",
    "response.code_interpreter_call_code.delta",
    "response.code_interpreter_call_code.done",
    "response.completed",
    "response.content_part.added",
    "response.content_part.done",
    "response.created",
    "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done",
    "response.failed",
    "response.file_search_call.completed",
    "response.file_search_call.in_progress",
    "response.file_search_call.searching",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.image_generation_call.completed",
    "response.image_generation_call.generating",
    "response.image_generation_call.in_progress",
    "response.image_generation_call.partial_image",
    "response.in_progress",
    "response.incomplete",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "response.mcp_call.in_progress",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_list_tools.completed",
    "response.mcp_list_tools.failed",
    "response.mcp_list_tools.in_progress",
    "response.output_item.added",
    "response.output_item.done",
    "response.output_text.annotation.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.queued",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.refusal.delta",
    "response.refusal.done",
    "response.web_search_call.completed",
    "response.web_search_call.in_progress",
    "response.web_search_call.searching",
]


@pytest.mark.parametrize("etype", DOCUMENTED_RESPONSES_EVENTS)
def test_every_documented_responses_event_is_handled_or_deliberately_ignored(etype: str) -> None:
    from lemon_adapters.core.wire.responses import IGNORED, ResponsesMapper

    mapper = ResponsesMapper()
    assert etype in mapper._handlers or etype in IGNORED
    # And a minimal instance of it never crashes the mapper nor counts as unknown.
    out: list[StreamEvent] = []
    frame = ServerSentEvent(etype, json.dumps({"type": etype}), "", None)
    if etype in ("error", "response.failed"):  # reported as the typed error they are
        with pytest.raises(errors.StreamError):
            mapper.map(frame, out)
    else:
        mapper.map(frame, out)
    assert mapper.ignored == {}


@st.composite
def responses_streams(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    kinds = draw(st.lists(st.sampled_from(["message", "reasoning", "function_call"]), max_size=5))
    events: list[dict[str, Any]] = [resp("response.created", response={"id": "r1", "model": "m"})]
    output: list[dict[str, Any]] = []
    for n, kind in enumerate(kinds):
        item_id = f"{kind}_{n}"
        pieces = draw(st.lists(PIECE, min_size=1, max_size=4))
        stream_deltas = draw(st.booleans())  # else the content arrives only in *.done
        if kind == "message":
            item = {
                "id": item_id,
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "".join(pieces)}],
            }
            events.append(
                resp("response.output_item.added", output_index=n, item={**item, "content": []})
            )
            if stream_deltas:
                events += [
                    resp(
                        "response.output_text.delta",
                        item_id=item_id,
                        output_index=n,
                        content_index=0,
                        delta=p,
                    )
                    for p in pieces
                ]
            events.append(
                resp(
                    "response.output_text.done",
                    item_id=item_id,
                    output_index=n,
                    content_index=0,
                    text="".join(pieces),
                )
            )
        elif kind == "reasoning":
            item = {
                "id": item_id,
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "".join(pieces)}],
            }
            events.append(
                resp("response.output_item.added", output_index=n, item={**item, "summary": []})
            )
            if stream_deltas:
                events += [
                    resp(
                        "response.reasoning_summary_text.delta",
                        item_id=item_id,
                        output_index=n,
                        summary_index=0,
                        delta=p,
                    )
                    for p in pieces
                ]
        else:
            item = {
                "id": item_id,
                "type": "function_call",
                "call_id": f"call_{n}",
                "name": f"fn{n}",
                "arguments": "".join(pieces),
            }
            events.append(
                resp("response.output_item.added", output_index=n, item={**item, "arguments": ""})
            )
            if stream_deltas:
                events += [
                    resp(
                        "response.function_call_arguments.delta",
                        item_id=item_id,
                        output_index=n,
                        delta=p,
                    )
                    for p in pieces
                ]
            events.append(
                resp(
                    "response.function_call_arguments.done",
                    item_id=item_id,
                    output_index=n,
                    arguments="".join(pieces),
                )
            )
        events.append(resp("response.output_item.done", output_index=n, item=item))
        output.append(item)
    events.append(terminal(output=output))
    for seq, event in enumerate(events):
        event["sequence_number"] = seq
    named = draw(st.booleans())
    body = b"".join(
        (f"event: {e['type']}\n" if named else "").encode() + f"data: {json.dumps(e)}\n\n".encode()
        for e in events
    ) + (b"data: [DONE]\n\n" if draw(st.booleans()) else b"")
    texts = [i["content"][0]["text"] for i in output if i["type"] == "message"]
    reasoning = [i["summary"][0]["text"] for i in output if i["type"] == "reasoning"]
    calls = [
        (i["call_id"], i["name"], i["arguments"]) for i in output if i["type"] == "function_call"
    ]
    expected = {
        "text": "".join(texts),
        "reasoning": "\n\n".join(reasoning),
        "calls": calls,
        "finish": "tool_calls" if calls else "stop",
    }
    return body, expected


@settings(max_examples=150, deadline=None)
@given(stream=responses_streams(), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_random_responses_streams(stream: tuple[bytes, dict[str, Any]], cuts: list[int]) -> None:
    body, expected = stream
    points = sorted({c % (len(body) + 1) for c in cuts})
    parser = StreamParser("responses")
    events: list[StreamEvent] = []
    for a, b in zip([0, *points], [*points, len(body)], strict=True):
        events += parser.feed(body[a:b])
    events += parser.close()
    check_invariants(events)
    r = parser.result
    assert parser.failure is None
    assert (r.text, r.reasoning) == (expected["text"], expected["reasoning"])
    assert [(c.id, c.name, c.arguments) for c in r.tool_calls] == expected["calls"]
    assert r.finish_reason == expected["finish"]
    assert r.usage is not None and r.usage.total_tokens == 7
