"""The one invariant checker every parsed stream goes through (see ``core/events.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from lemon_adapters.core.events import (
    BlockDone,
    Citation,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)


def check_invariants(events: Sequence[StreamEvent], *, finished: bool = True) -> None:
    """Assert the normalized event order rules hold for one stream's events.

    Args:
        events: every event the stream produced, in order.
        finished: the stream ended normally, so exactly one ``Finish`` must close it. Pass
            ``False`` for a failed or truncated stream: then no ``Finish`` may appear.
    """
    events = list(events)
    started = [i for i, e in enumerate(events) if isinstance(e, ResponseStarted)]
    assert len(started) <= 1, f"ResponseStarted {len(started)} times"
    if started:
        assert started[0] == 0, f"ResponseStarted at {started[0]}, not first"

    finishes = [i for i, e in enumerate(events) if isinstance(e, Finish)]
    if finished:
        assert len(finishes) == 1, f"expected exactly one Finish, got {len(finishes)}"
        assert finishes[0] == len(events) - 1, "Finish is not the last event"
    else:
        assert not finishes, "an unfinished stream must not report Finish"

    usages = [i for i, e in enumerate(events) if isinstance(e, UsageReported)]
    assert len(usages) <= 1, f"UsageReported {len(usages)} times"
    if usages and finishes:
        assert usages[0] < finishes[0], "UsageReported after Finish"

    ids: dict[int, str] = {}
    names: dict[int, str] = {}
    known: set[int] = set()
    for pos, event in enumerate(events):
        if isinstance(event, TextDelta | ReasoningDelta | RefusalDelta):
            assert event.text, f"empty {type(event).__name__} at {pos}"
            continue
        if not isinstance(event, ToolCallDelta):
            continue
        index = event.index
        if index not in known:
            assert index == len(known), (
                f"tool-call index {index} at {pos} skips ahead (next new index is {len(known)})"
            )
            known.add(index)
        else:
            assert event.id or event.name or event.arguments, f"empty tool-call delta at {pos}"
        if event.id is not None:
            assert index not in ids, (
                f"call {index}: id set twice ({ids.get(index)!r}, {event.id!r})"
            )
            assert event.id, f"call {index}: empty id"
            ids[index] = event.id
        if event.name is not None:
            assert index not in names, f"call {index}: name set twice"
            assert event.name, f"call {index}: empty name"
            names[index] = event.name
    # Distinct calls never share an id.
    assert len(set(ids.values())) == len(ids), f"two calls share an id: {ids}"

    # Each content block (Messages) or part (Gemini) finishes once; a finished tool call's
    # block names a call that came before it.
    blocks = [e for e in events if isinstance(e, BlockDone)]
    indexes = [e.index for e in blocks]
    assert len(set(indexes)) == len(indexes), f"a BlockDone index repeats: {indexes}"
    for event in blocks:
        # A Messages block names its type; a Gemini part is known by its one key.
        assert isinstance(event.block, dict) and (event.block.get("type") or event.block), event
    for event in blocks:
        if event.type == "tool_call":
            assert event.tool_call_index in known, f"BlockDone of an unknown call: {event}"
        else:
            assert event.tool_call_index is None, event
        if event.signature is not None:
            # Messages signs thinking blocks; Gemini signs any part (``thoughtSignature``).
            gemini = event.block.get("thoughtSignature") == event.signature
            assert event.signature and (event.type == "thinking" or gemini), event
        if event.data is not None:
            assert event.type == "redacted_thinking", event

    # The finish carries the whole result, and the result agrees with the events.
    if finished and finishes:
        result = events[finishes[0]].result
        assert result is not None, "Finish without its result"
        assert result.finish_reason == events[finishes[0]].reason
        assert result.server_tool_calls == [e for e in events if isinstance(e, ServerToolCall)]
        assert result.server_tool_results == [e for e in events if isinstance(e, ServerToolResult)]
        assert result.citations == [e for e in events if isinstance(e, Citation)]
        text_len = len(result.text)
    else:
        text_len = None

    # Server tools: each call once, before its result; never a client tool call.
    call_ids: list[str | None] = []
    for pos, event in enumerate(events):
        if isinstance(event, ServerToolCall):
            assert event.name and event.provider_type, f"nameless server tool call at {pos}"
            assert isinstance(event.arguments, dict), event
            assert event.id is None or event.id not in call_ids, f"server call twice: {event.id}"
            assert event.id is None or event.id not in ids.values(), "server call as client call"
            call_ids.append(event.id)
        elif isinstance(event, ServerToolResult):
            assert event.status in ("success", "error", None), event
            assert event.name and event.provider_type, f"nameless server tool result at {pos}"
        elif isinstance(event, Citation):
            assert event.provider_type, event
            if event.start is not None and event.end is not None:
                assert 0 <= event.start <= event.end, event
                if text_len is not None:
                    assert event.end <= text_len, f"citation past the text: {event}"
