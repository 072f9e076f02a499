"""Client-side stop sequences, for the API that has no ``stop`` parameter (Responses).

Text is held back while it could still be the start of a stop sequence, so nothing past a
stop sequence ever reaches the caller, across delta boundaries. Once one is found the
output ends there, as it would if the server had stopped: later deltas of any kind are
dropped, usage still comes through, and the finish reason is ``"stop"`` (the wire's own
reason stays in ``raw_reason``). The stream itself is read to its end, so the usage is the
server's and the connection is reused.
"""

from __future__ import annotations

from collections.abc import Sequence

from lemon_adapters.core.events import (
    Finish,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)

_DELTAS = (TextDelta, ReasoningDelta, RefusalDelta, ToolCallDelta)


class StopFilter:
    """Cuts the text at the first stop sequence. ``filter`` a batch of events at a time.

    Attributes:
        stops: the stop sequences (empty ones ignored).
        hit: a stop sequence was found.
    """

    __slots__ = ("_held", "_hold", "hit", "stops")

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self._hold = max((len(s) for s in self.stops), default=1) - 1
        self._held = ""
        self.hit = False

    def filter(self, events: list[StreamEvent]) -> list[StreamEvent]:
        """The events to pass on, text cut at the first stop sequence."""
        out: list[StreamEvent] = []
        for event in events:
            if type(event) is TextDelta:
                text = self.text(event.text)
                if text:
                    out.append(TextDelta(text=text))
            elif type(event) is Finish:
                rest, self._held = self._held, ""
                if rest and not self.hit:
                    out.append(TextDelta(text=rest))
                out.append(
                    Finish(reason="stop", raw_reason=event.raw_reason) if self.hit else event
                )
            elif not (self.hit and isinstance(event, _DELTAS)):
                out.append(event)
        return out

    def text(self, text: str) -> str:
        """The part of ``text`` that is safe to emit now."""
        if self.hit:
            return ""
        buf = self._held + text
        cut = min((i for i in (buf.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.hit = True
            self._held = ""
            return buf[:cut]
        keep = min(self._hold, len(buf))
        self._held = buf[len(buf) - keep :] if keep else ""
        return buf[: len(buf) - keep]
