"""Client-side stop sequences (the Responses API has no ``stop``): the core's StopFilter."""

from __future__ import annotations

from lemon_adapters.core.events import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from lemon_adapters.core.wire.parser import StreamParser
from lemon_adapters.core.wire.stop import StopFilter
from lemon_adapters.testing.server import Reply, render_responses


def test_text_is_cut_across_delta_boundaries() -> None:
    f = StopFilter(["STOP", "\n\n"])
    out = [f.text(p) for p in ["Hello wo", "rld ST", "OP and more", " never"]]
    assert "".join(out) == "Hello world " and f.hit
    g = StopFilter(["xyz"])
    events: list[StreamEvent] = [TextDelta(text=p) for p in ["ab", "cx", "y"]]
    events.append(Finish(reason="stop", raw_reason="response.completed"))
    kept = g.filter(events)
    assert "".join(e.text for e in kept if isinstance(e, TextDelta)) == "abcxy"  # held, flushed
    assert kept[-1] == Finish(reason="stop", raw_reason="response.completed") and not g.hit


def test_after_a_stop_only_usage_and_the_finish_pass() -> None:
    f = StopFilter(["END"])
    usage = UsageReported.__new__(UsageReported)
    events: list[StreamEvent] = [
        TextDelta(text="done END extra"),
        ReasoningDelta(text="more thinking"),
        ToolCallDelta(index=0, id="c1", name="f", arguments="{}"),
        usage,
        Finish(reason="tool_calls", raw_reason="response.completed"),
    ]
    assert f.filter(events) == [
        TextDelta(text="done "),
        usage,
        Finish(reason="stop", raw_reason="response.completed"),
    ]


def test_the_parser_applies_stop_to_a_whole_stream() -> None:
    reply = Reply(text="one two. three", chunk_chars=2)
    body = b"".join(frame for frame, _ in render_responses(reply, "m"))
    parser = StreamParser("responses", stop=[". "])
    events = parser.feed(body) + parser.close()
    assert parser.failure is None
    assert parser.result.text == "one two" and parser.result.finish_reason == "stop"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two"
    assert parser.result.usage is not None  # the stream was still read to its end
