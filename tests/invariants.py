"""The one invariant checker every parsed stream goes through (see ``core/events.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from lemon_adapters.core.events import (
    BlockDone,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
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

    # Each content block (Messages) or part (Gemini) finishes once, as a non-empty block; a
    # finished
    # tool call's block names a call that came before it.
    blocks = [e for e in events if isinstance(e, BlockDone)]
    indexes = [e.index for e in blocks]
    assert len(set(indexes)) == len(indexes), f"a BlockDone index repeats: {indexes}"
    for event in blocks:
        assert isinstance(event.block, dict) and event.block, event
        if event.tool_call_index is not None:
            assert event.tool_call_index in known, event
