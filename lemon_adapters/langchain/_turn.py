"""One model call: the core request, and core events -> ``ChatGenerationChunk`` objects.

The mapping is shared by the sync and async paths of :class:`ChatLemonData`; they differ
only in how they iterate the core's stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from lemon_adapters.core.accumulate import StreamResult
from lemon_adapters.core.client import AsyncResponseStream, ResponseStream
from lemon_adapters.core.events import Finish, StreamEvent, TextDelta

from ._convert import chunk_for, last_chunk, result_to_message


class Turn:
    """One call: the core request, and the event -> chunk mapping shared by sync and async."""

    __slots__ = ("call", "model", "stop")

    def __init__(self, model: str, call: dict[str, Any], stop: list[str]) -> None:
        self.model = model
        self.call = call
        self.stop = StopFilter(stop) if stop else None

    def chunks(
        self, event: StreamEvent, stream: ResponseStream | AsyncResponseStream
    ) -> list[ChatGenerationChunk]:
        """The chunks for one event (``stream.result`` is read only at the finish)."""
        if self.stop is not None and type(event) is TextDelta:
            text = self.stop.feed(event.text)
            return [ChatGenerationChunk(message=AIMessageChunk(content=text))] if text else []
        if type(event) is Finish:
            out = []
            if self.stop is not None and (rest := self.stop.flush()):
                out.append(ChatGenerationChunk(message=AIMessageChunk(content=rest)))
            last = last_chunk(stream.result, self.model)
            if self.stop is not None and self.stop.hit:
                last.response_metadata["finish_reason"] = "stop"
            out.append(ChatGenerationChunk(message=last))
            return out
        chunk = chunk_for(event)
        return [ChatGenerationChunk(message=chunk)] if chunk is not None else []

    def chat_result(self, result: StreamResult) -> ChatResult:
        """A non-streamed result as LangChain's ``ChatResult``."""
        message = result_to_message(result, self.model)
        if self.stop is not None:
            cut = apply_stop(result.text, self.stop.stops)
            if cut != result.text:
                message.content = cut
                message.response_metadata["finish_reason"] = "stop"
        return ChatResult(generations=[ChatGeneration(message=message)])


# -- client-side stop sequences ---------------------------------------------------------


class StopFilter:
    """Cuts text at the first stop sequence, across delta boundaries.

    Used only where the API has no ``stop`` parameter (the Responses API): text is held
    back while it could still be the start of a stop sequence, so nothing past a stop
    sequence is ever emitted.
    """

    __slots__ = ("_held", "_hold", "hit", "stops")

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self._hold = max((len(s) for s in self.stops), default=1) - 1
        self._held = ""
        self.hit = False

    def feed(self, text: str) -> str:
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

    def flush(self) -> str:
        """Held-back text at the end of the stream."""
        held, self._held = self._held, ""
        return "" if self.hit else held


def apply_stop(text: str, stops: Sequence[str]) -> str:
    """``text`` cut at the first stop sequence (for non-streamed results)."""
    f = StopFilter(stops)
    return f.feed(text) + f.flush()
