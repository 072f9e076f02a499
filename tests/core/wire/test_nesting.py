"""The nesting limit of wire JSON: a data line nested past ``MAX_DEPTH`` levels is a
``MalformedStreamError`` naming the limit, one at or under it is read, whichever JSON reader
is in use and however deep the caller's stack already is (the same bytes through the
clients: tests/core/http/test_json_nesting.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from lemon_adapters import MalformedStreamError, TextDelta
from lemon_adapters.core.wire import sse
from lemon_adapters.core.wire.accumulate import parse_arguments
from lemon_adapters.core.wire.nesting import MAX_DEPTH, too_deep
from lemon_adapters.core.wire.parser import StreamParser
from lemon_adapters.testing.server import Reply, render_chat, render_messages, render_responses

T = TypeVar("T")
DEPTHS = [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 990]
RENDER = {"responses": render_responses, "chat": render_chat, "messages": render_messages}
#: Where each API carries a text delta (the line the deep value is added to).
DELTA = {"responses": b"output_text.delta", "chat": b'"content"', "messages": b"text_delta"}


def nested(depth: int) -> str:
    """JSON text nesting ``depth`` levels: arrays, with an object in the middle."""
    half = depth // 2
    inner = "[" * (depth - half - 1) + "]" * (depth - half - 1)
    return "[" * half + '{"k":' + (inner or "0") + "}" + "]" * half


def deep_body(api: str, depth: int) -> bytes:
    """A whole stream of ``api`` whose second text delta also carries a field nesting
    ``depth`` levels in all (the line's own object counts as one)."""
    reply = Reply(text="Lemons are yellow and sour.", chunk_chars=6)
    frames = [f for f, _ in RENDER[api](reply, "m")]
    deltas = [i for i, f in enumerate(frames) if DELTA[api] in f and b"data:" in f]
    i = deltas[1]
    head, _, data = frames[i].partition(b"data: ")
    line = data.rstrip(b"\n")
    assert line.endswith(b"}")
    frames[i] = head + b"data: " + line[:-1] + b',"x":' + nested(depth - 1).encode() + b"}\n\n"
    return b"".join(frames)


def unclosed_body(api: str, opened: int) -> bytes:
    """A whole stream of ``api`` whose second text delta is replaced by a line that opens
    ``opened`` levels and never closes them."""
    reply = Reply(text="Lemons are yellow and sour.", chunk_chars=6)
    frames = [f for f, _ in RENDER[api](reply, "m")]
    i = [i for i, f in enumerate(frames) if DELTA[api] in f and b"data:" in f][1]
    head, _, _ = frames[i].partition(b"data: ")
    frames[i] = head + b'data: {"x":' + b"[" * (opened - 1) + b"\n\n"
    return b"".join(frames)


def parse(api: str, body: bytes) -> tuple[str, list[str], str | None]:
    """The parser's outcome: the text, the event kinds, the failure's message."""
    parser = StreamParser(api)  # type: ignore[arg-type]
    events = parser.feed(body) + parser.close()
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    failure = parser.failure
    if failure is not None:
        assert isinstance(failure, MalformedStreamError)
    return text, [e.kind for e in events], None if failure is None else failure.message


def at_stack_depth(frames: int, fn: Callable[[], T]) -> T:
    """``fn()`` called ``frames`` Python frames deeper than here."""
    return fn() if frames == 0 else at_stack_depth(frames - 1, fn)


@pytest.fixture(params=sorted(sse.JSON_DECODERS))
def decoder(request: pytest.FixtureRequest) -> Iterator[str]:
    before = sse.json_decoder()
    sse.json_decoder(request.param)
    yield request.param
    sse.json_decoder(before)


@pytest.mark.parametrize("depth", range(MAX_DEPTH - 2, MAX_DEPTH + 3))
def test_too_deep_counts_levels_exactly(depth: int) -> None:
    text = nested(depth)
    assert json.loads(text) is not None  # valid JSON of that depth
    assert too_deep(text) is (depth > MAX_DEPTH)
    as_object = '{"a":' * depth + "1" + "}" * depth
    assert too_deep(as_object) is (depth > MAX_DEPTH)


def test_brackets_in_strings_do_not_count() -> None:
    deep_text = json.dumps({"s": "[" * 1000 + '\\"{' * 500, "t": ["]" * 10]})
    assert deep_text.count("[") + deep_text.count("{") > MAX_DEPTH
    assert not too_deep(deep_text)
    escaped = json.dumps({"s": 'quote " then ['}) + " " + nested(MAX_DEPTH + 1)
    assert too_deep(escaped)  # an escaped quote does not end the string early


@pytest.mark.parametrize("api", sorted(RENDER))
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_line_is_refused_past_the_limit_by_both_readers(
    api: str, depth: int, decoder: str
) -> None:
    text, kinds, failure = parse(api, deep_body(api, depth))
    if depth <= MAX_DEPTH:
        assert failure is None, failure
        assert text == "Lemons are yellow and sour."
        assert kinds[-1] == "finish"
    else:
        assert failure is not None
        assert f"nests JSON more than {MAX_DEPTH} levels deep" in failure
        assert "limit for wire JSON" in failure
        whole = "Lemons are yellow and sour."
        assert whole.startswith(text) and text != whole  # what arrived before the deep line


@pytest.mark.parametrize("api", sorted(RENDER))
@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 990])
def test_the_outcome_does_not_depend_on_the_callers_stack(
    api: str, depth: int, decoder: str
) -> None:
    """The parser called from 500 frames deeper gives the same answer as at the top."""
    body = deep_body(api, depth)
    assert at_stack_depth(500, lambda: parse(api, body)) == parse(api, body)


@pytest.mark.parametrize("api", sorted(RENDER))
@pytest.mark.parametrize("opened", [MAX_DEPTH + 1, 2 * MAX_DEPTH - 10, 990])
def test_a_deep_line_that_never_closes_gets_one_answer_at_any_stack(
    api: str, opened: int, decoder: str
) -> None:
    """A line too short to close past the limit is not counted; whatever the reader does
    with it (an error at the end of the text, or a RecursionError on a deep stack), it is
    the same MalformedStreamError."""
    body = unclosed_body(api, opened)
    shallow = parse(api, body)
    assert shallow[2] is not None
    assert at_stack_depth(600, lambda: parse(api, body)) == shallow


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_tool_arguments_are_invalid_arguments_past_the_limit(depth: int, closed: bool) -> None:
    arguments = '{"a":' + nested(depth - 1) + "}"
    if not closed:
        arguments = '{"a":' + "[" * (depth - 1)
    shallow = parse_arguments(arguments)
    deep = at_stack_depth(500, lambda: parse_arguments(arguments))
    assert shallow == deep
    if not closed:
        assert shallow[0] is None
    elif depth <= MAX_DEPTH:
        assert shallow[0] is not None and shallow[1] is None
    else:
        assert shallow[0] is None
        assert f"more than {MAX_DEPTH} levels" in str(shallow[1])


def test_object_reader_names_the_limit_for_each_reader(decoder: str) -> None:
    line = '{"a":' + nested(MAX_DEPTH) + "}"
    with pytest.raises(MalformedStreamError, match=f"more than {MAX_DEPTH} levels"):
        sse.loads_object(line, "Chat Completions")
    fine: Any = sse.loads_object('{"a":' + nested(MAX_DEPTH - 1) + "}", "Chat Completions")
    assert isinstance(fine, dict)
