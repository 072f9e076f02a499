"""Chat Completions streams no recording happens to show: tool-call keying, finish reasons,
usage, errors, choices, reasoning, and random streams against a reference reader."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemon_adapters.core.errors import (
    IncompleteStreamError,
    MalformedStreamError,
    StreamError,
)
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.wire.parser import StreamParser
from tests.core.wire.synthetic import PIECE, calls, chunk, run, sse, tc
from tests.invariants import check_invariants
from tests.parsing import events_from_object


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


def test_chat_id_learned_after_an_id_less_first_chunk() -> None:
    first = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}}]}
    events, parser = run("chat", sse(first, chunk({"content": "b"}), chunk(finish="stop")))
    assert events[0].kind == "response_started"
    assert (parser.result.response_id, parser.result.model, parser.result.text) == ("c1", "m", "ab")


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
            piece = draw(PIECE)
            text.append(piece)
            chunks.append(chunk({"content": piece}))
        elif op == "reasoning":
            piece = draw(PIECE)
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
