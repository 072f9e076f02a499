"""Synthetic streams for the wire shapes the issue names that no recording happens to show.

Each stream is parsed whole and byte by byte (same events required) and goes through the
invariant checker.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemon_adapters.core import errors
from lemon_adapters.core.errors import (
    IncompleteStreamError,
    LemonDataError,
    MalformedStreamError,
    StreamError,
)
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.wire.parser import StreamParser
from lemon_adapters.core.wire.sse import ServerSentEvent
from lemon_adapters.testing.server import Reply, complete_object, render_chat, render_responses
from tests.invariants import check_invariants
from tests.parsing import events_from_object, parse_body


def sse(*objs: Any, done: bool = True, event: str | None = None) -> bytes:
    out = []
    for obj in objs:
        head = f"event: {event}\n" if event else ""
        out.append(f"{head}data: {json.dumps(obj)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def run(api: Any, body: bytes) -> tuple[list[StreamEvent], StreamParser]:
    parser = StreamParser(api)
    events = parser.feed(body)
    events += parser.close()
    bytewise = StreamParser(api)
    again: list[StreamEvent] = []
    for i in range(len(body)):
        again += bytewise.feed(body[i : i + 1])
    again += bytewise.close()
    assert again == events
    assert type(bytewise.failure) is type(parser.failure)
    check_invariants(events, finished=parser.failure is None)
    return events, parser


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, index: int = 0, **extra: Any
) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "delta": delta or {}, "finish_reason": finish}
    return {"id": "c1", "model": "m", "choices": [choice], **extra}


def tc(
    index: int | None = None,
    id: str | None = None,
    name: str | None = None,
    args: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "function", "function": {}}
    if index is not None:
        out["index"] = index
    if id is not None:
        out["id"] = id
    if name is not None:
        out["function"]["name"] = name
    if args is not None:
        out["function"]["arguments"] = args
    return out


def calls(parser: StreamParser) -> list[tuple[int, str | None, str | None, str]]:
    return [(c.index, c.id, c.name, c.arguments) for c in parser.result.tool_calls]


# -- Chat Completions tool-call keying ---------------------------------------------------------


def test_chat_every_parallel_call_at_index_0_with_different_ids() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, "a", "f", "")]}),
        chunk({"tool_calls": [tc(0, None, None, '{"x":')]}),
        chunk({"tool_calls": [tc(0, None, None, "1}")]}),
        chunk({"tool_calls": [tc(0, "b", "g", '{"y"')]}),
        chunk({"tool_calls": [tc(0, None, None, ":2}")]}),
        chunk(finish="tool_calls"),
    )
    _, parser = run("chat", body)
    assert calls(parser) == [(0, "a", "f", '{"x":1}'), (1, "b", "g", '{"y":2}')]


def test_chat_ids_and_names_repeated_on_every_delta() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, "a", "f", '{"x"')]}),
        chunk({"tool_calls": [tc(0, "a", "f", ":1}")]}),
        chunk({"tool_calls": [tc(1, "b", "g", "{}")]}),
        chunk({"tool_calls": [tc(1, "b", "g", "")]}),
        chunk(finish="tool_calls"),
    )
    events, parser = run("chat", body)
    assert calls(parser) == [(0, "a", "f", '{"x":1}'), (1, "b", "g", "{}")]
    # The repeated identity is not re-emitted, and an empty repeat emits nothing.
    assert sum(e.kind == "tool_call" for e in events) == 3


def test_chat_missing_index() -> None:
    body = sse(
        chunk({"tool_calls": [tc(None, "a", "f", '{"x"')]}),
        chunk({"tool_calls": [tc(None, None, None, ":1}")]}),
        chunk({"tool_calls": [tc(None, "b", "g", "{}")]}),
        chunk(finish="tool_calls"),
    )
    _, parser = run("chat", body)
    assert calls(parser) == [(0, "a", "f", '{"x":1}'), (1, "b", "g", "{}")]


def test_chat_several_calls_in_one_chunk_and_indexes_from_1() -> None:
    body = sse(
        chunk({"tool_calls": [tc(1, "a", "f", '{"x":1}'), tc(2, "b", "g", "")]}),
        chunk({"tool_calls": [tc(2, None, None, "{}")]}),
        chunk(finish="tool_calls"),
    )
    _, parser = run("chat", body)
    assert calls(parser) == [(0, "a", "f", '{"x":1}'), (1, "b", "g", "{}")]


def test_chat_id_arriving_after_the_first_delta() -> None:
    body = sse(
        chunk({"tool_calls": [tc(0, None, "f", '{"x"')]}),
        chunk({"tool_calls": [tc(0, "late", None, ":1}")]}),
        chunk(finish="tool_calls"),
    )
    _events, parser = run("chat", body)
    assert calls(parser) == [(0, "late", "f", '{"x":1}')]


def test_chat_arguments_as_an_object_and_invalid_json_kept_raw() -> None:
    body = sse(
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "a", "function": {"name": "f", "arguments": {"x": 1}}}
                ]
            }
        ),
        chunk({"tool_calls": [tc(1, "b", "g", '{"broken": ')]}),
        chunk(finish="tool_calls"),
    )
    _, parser = run("chat", body)
    first, second = parser.result.tool_calls
    assert first.args == {"x": 1} and first.error is None
    assert second.arguments == '{"broken": ' and second.args is None
    assert second.error is not None and "JSON" in second.error


# -- Chat Completions finish, usage, errors -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("stop", "stop"),
        ("length", "length"),
        ("tool_calls", "tool_calls"),
        ("content_filter", "content_filter"),
        ("function_call", "tool_calls"),
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("something_new", "other"),
    ],
)
def test_chat_finish_reasons(raw: str, reason: str) -> None:
    _, parser = run("chat", sse(chunk({"content": "x"}), chunk(finish=raw)))
    assert (parser.result.finish_reason, parser.result.raw_finish_reason) == (reason, raw)


def test_chat_repeated_finish_reason_is_not_concatenated() -> None:
    body = sse(
        chunk({"content": "x"}, finish="length"), chunk(finish="length"), chunk(finish="stop")
    )
    _, parser = run("chat", body)
    assert parser.result.raw_finish_reason == "length"
    assert parser.result.finish_reason == "length"


def test_chat_usage_cumulative_on_every_chunk_is_reported_once_final() -> None:
    def u(n: int) -> dict[str, int]:
        return {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": 5 + n}

    body = sse(
        chunk({"content": "a"}, usage=u(1)),
        chunk({"content": "b"}, usage=u(2)),
        chunk(finish="stop", usage=u(3)),
    )
    events, parser = run("chat", body)
    assert next(e for e in events if e.kind == "usage").usage.output_tokens == 3  # type: ignore[union-attr]
    assert parser.result.usage is not None and parser.result.usage.total_tokens == 8


def test_chat_no_done_and_no_finish_is_incomplete_with_partial() -> None:
    _, parser = run("chat", sse(chunk({"content": "half an ans"}), done=False))
    assert isinstance(parser.failure, IncompleteStreamError)
    assert parser.failure.partial is not None and parser.failure.partial.text == "half an ans"
    assert parser.failure.output_received


def test_chat_error_object_in_a_data_line() -> None:
    err = {
        "error": {
            "message": "upstream failed",
            "code": 502,
            "type": "server_error",
            "hint": "retry later",
            "retryable": True,
        }
    }
    _, parser = run("chat", sse(chunk({"content": "par"}), err))
    failure = parser.failure
    assert isinstance(failure, StreamError)
    assert (failure.message, failure.code, failure.type) == (
        "upstream failed",
        "502",
        "server_error",
    )
    assert failure.hint == "retry later" and failure.retryable is True
    assert failure.partial is not None and failure.partial.text == "par"


def test_chat_event_error_frame_without_error_key() -> None:
    body = sse(chunk({"content": "a"}), done=False) + sse(
        {"message": "overloaded", "type": "overloaded_error"}, event="error", done=False
    )
    _, parser = run("chat", body)
    assert isinstance(parser.failure, StreamError)
    assert parser.failure.message == "overloaded"


def test_chat_error_null_and_string_error() -> None:
    _, ok = run("chat", sse(chunk({"content": "a"}, error=None), chunk(finish="stop")))
    assert ok.failure is None and ok.result.text == "a"
    _, bad = run("chat", sse(chunk({"content": "a"}), {"error": "quota exceeded"}))
    assert isinstance(bad.failure, StreamError) and bad.failure.message == "quota exceeded"


def test_chat_invalid_json_is_malformed_with_partial() -> None:
    body = sse(chunk({"content": "ok"}), done=False) + b"data: {not json\n\n"
    _, parser = run("chat", body)
    assert isinstance(parser.failure, MalformedStreamError)
    assert parser.failure.partial is not None and parser.failure.partial.text == "ok"


def test_chat_n_greater_than_1_never_mixes_choices() -> None:
    body = sse(
        {
            "id": "c",
            "model": "m",
            "choices": [
                {"index": 1, "delta": {"content": "B"}},
                {"index": 0, "delta": {"content": "A"}},
            ],
        },
        {"id": "c", "model": "m", "choices": [{"index": 2, "delta": {"content": "C"}}]},
        {
            "id": "c",
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": "stop"}],
        },
    )
    _, parser = run("chat", body)
    assert parser.result.text == "Aa"


def test_chat_extra_vendor_fields_are_ignored() -> None:
    body = sse(
        chunk({"content": "x", "token_id": 5, "channel": "final"}, p="padding", x_vendor={"a": 1}),
        chunk(finish="stop", obfuscation="zz"),
    )
    _, parser = run("chat", body)
    assert parser.result.text == "x" and parser.failure is None


def test_empty_body_and_comments_only_are_incomplete() -> None:
    for body in (b"", b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n"):
        for api in ("chat", "responses"):
            parser = parse_body(api, body)  # type: ignore[arg-type]
            assert isinstance(parser.failure, IncompleteStreamError)
            assert parser.failure.partial is not None


# -- Responses ------------------------------------------------------------------------------


def resp(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def terminal(
    kind: str = "response.completed", output: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return resp(
        kind,
        response={
            "id": "r1",
            "model": "m",
            "output": output or [],
            "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
            **extra,
        },
    )


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


# -- non-streaming objects -----------------------------------------------------------------------


def test_events_from_object_chat_with_tool_calls_and_refusal() -> None:
    obj = {
        "id": "c",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "a",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    parser = events_from_object("chat", obj)
    assert calls(parser) == [(0, "a", "f", "{}")]
    assert parser.result.finish_reason == "tool_calls"
    assert parser.result.usage is not None and parser.result.usage.total_tokens == 3


def test_events_from_object_failed_response() -> None:
    parser = events_from_object(
        "responses", {"id": "r", "status": "failed", "error": {"code": "x", "message": "no"}}
    )
    assert isinstance(parser.failure, LemonDataError) and parser.failure.code == "x"


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


# -- the in-repo DevServer's wire shapes parse into what it was asked to say --------------------

_REPLIES = {
    "text": Reply(text="Hello there, 世界 🙂", chunk_chars=3),
    "reasoning+text": Reply(text="Answer.", reasoning="Think first.\nThen answer."),
    "tools": Reply(tool_calls=[("f", '{"a": 1}'), ("g", '{"b": [1, 2]}')], chunk_chars=2),
    "text+tools": Reply(text="Calling.", tool_calls=[("f", "{}")]),
}


@pytest.mark.parametrize("api", ["responses", "chat"])
@pytest.mark.parametrize("name", sorted(_REPLIES))
def test_devserver_frames_parse_back(api: str, name: str) -> None:
    reply = _REPLIES[name]
    render = render_responses if api == "responses" else render_chat
    body = b"".join(frame for frame, _ in render(reply, "m"))
    _, parser = run(api, body)
    r = parser.result
    assert parser.failure is None
    assert (r.text, r.reasoning) == (reply.text, reply.reasoning)
    assert [(c.name, c.arguments) for c in r.tool_calls] == reply.tool_calls
    assert r.finish_reason == ("tool_calls" if reply.tool_calls else "stop")
    assert r.usage is not None and r.usage.input_tokens == reply.input_tokens
    alone = events_from_object(api, complete_object(api, reply, "m"))  # type: ignore[arg-type]
    assert alone.failure is None
    a = alone.result
    assert (a.text, a.reasoning, a.finish_reason) == (r.text, r.reasoning, r.finish_reason)
    assert [(c.name, c.args) for c in a.tool_calls] == [(c.name, c.args) for c in r.tool_calls]


def test_chat_reasoning_before_text_within_one_message() -> None:
    obj = {
        "id": "c",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Answer.", "reasoning": "Thought."},
            }
        ],
    }
    parser = events_from_object("chat", obj)
    assert (parser.result.reasoning, parser.result.text) == ("Thought.", "Answer.")
    events, _ = run(
        "chat", sse(chunk({"content": "A", "reasoning_content": "R"}), chunk(finish="stop"))
    )
    assert [e.kind for e in events] == ["response_started", "reasoning", "text", "finish"]


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


def test_chat_id_learned_after_an_id_less_first_chunk() -> None:
    first = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}}]}
    events, parser = run("chat", sse(first, chunk({"content": "b"}), chunk(finish="stop")))
    assert events[0].kind == "response_started"
    assert (parser.result.response_id, parser.result.model, parser.result.text) == ("c1", "m", "ab")


# -- property: random Chat Completions streams agree with the reference reader ------------------

_piece = st.text(min_size=1, max_size=6)


@st.composite
def chat_streams(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    ncalls = draw(st.integers(0, 3))
    first_index = draw(st.sampled_from([0, 1]))
    ops = draw(st.lists(st.sampled_from(["text", "reasoning", "call"]), max_size=25))
    chunks: list[dict[str, Any]] = []
    text, reasoning = [], []
    calls: list[list[str]] = [[] for _ in range(ncalls)]
    opened = 0
    for op in ops:
        if op == "text":
            piece = draw(_piece)
            text.append(piece)
            chunks.append(chunk({"content": piece}))
        elif op == "reasoning":
            piece = draw(_piece)
            reasoning.append(piece)
            key = draw(st.sampled_from(["reasoning_content", "reasoning"]))
            chunks.append(chunk({key: piece}))
        elif ncalls:
            n = draw(st.integers(0, min(opened, ncalls - 1)))
            args = draw(st.text(max_size=5))
            if n == opened:  # a new call: identity on its first delta
                opened += 1
                delta = tc(first_index + n, f"call_{n}", f"fn{n}", args)
            else:
                delta = tc(first_index + n, None, None, args)
            calls[n].append(args)
            chunks.append(chunk({"tool_calls": [delta]}))
    finish = "tool_calls" if opened else draw(st.sampled_from(["stop", "length"]))
    usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    where = draw(st.sampled_from(["none", "finish", "separate"]))
    chunks.append(chunk(finish=finish, **({"usage": usage} if where == "finish" else {})))
    if where == "separate":
        chunks.append({"id": "c1", "model": "m", "choices": [], "usage": usage})
    done = draw(st.booleans())
    expected = {
        "text": "".join(text),
        "reasoning": "".join(reasoning),
        "calls": [(f"call_{n}", f"fn{n}", "".join(calls[n])) for n in range(opened)],
        "usage": None if where == "none" else (3, 4, 7),
        "finish": finish,
    }
    return sse(*chunks, done=done), expected


@settings(max_examples=150, deadline=None)
@given(stream=chat_streams(), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_random_chat_streams(stream: tuple[bytes, dict[str, Any]], cuts: list[int]) -> None:
    body, expected = stream
    points = sorted({c % (len(body) + 1) for c in cuts})
    parser = StreamParser("chat")
    events: list[StreamEvent] = []
    for a, b in zip([0, *points], [*points, len(body)], strict=True):
        events += parser.feed(body[a:b])
    events += parser.close()
    check_invariants(events)
    r = parser.result
    assert parser.failure is None
    assert (r.text, r.reasoning) == (expected["text"], expected["reasoning"])
    assert [(c.id, c.name, c.arguments) for c in r.tool_calls] == expected["calls"]
    u = r.usage
    assert (None if u is None else (u.input_tokens, u.output_tokens, u.total_tokens)) == (
        expected["usage"]
    )
    assert r.finish_reason == expected["finish"]


# -- property: random Responses streams agree with their own terminal object --------------------


@st.composite
def responses_streams(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    kinds = draw(st.lists(st.sampled_from(["message", "reasoning", "function_call"]), max_size=5))
    events: list[dict[str, Any]] = [resp("response.created", response={"id": "r1", "model": "m"})]
    output: list[dict[str, Any]] = []
    for n, kind in enumerate(kinds):
        item_id = f"{kind}_{n}"
        pieces = draw(st.lists(_piece, min_size=1, max_size=4))
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
