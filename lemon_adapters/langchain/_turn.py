"""One model call: the core request, and core events -> ``ChatGenerationChunk`` objects.

The mapping is shared by the sync and async paths of :class:`ChatLemonData`; they differ
only in how they iterate the core's stream.
"""

from __future__ import annotations

from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from lemon_adapters.core.client import AsyncResponseStream, ResponseStream
from lemon_adapters.core.events import BlockDone, Finish, StreamEvent
from lemon_adapters.core.request.call import Call
from lemon_adapters.core.wire.accumulate import StreamResult

from ._convert import chunk_for, gemini_part_chunk, last_chunk, result_to_message


class Turn:
    """One call: the core request, and the event -> chunk mapping shared by sync and async."""

    __slots__ = ("call", "model")

    def __init__(self, model: str, call: Call) -> None:
        self.model = model
        self.call = call

    def chunk(
        self, event: StreamEvent, stream: ResponseStream | AsyncResponseStream
    ) -> ChatGenerationChunk | None:
        """The chunk for one event (``stream.result`` is read only at the finish)."""
        if type(event) is Finish:
            return ChatGenerationChunk(message=last_chunk(stream.result, self.model))
        if type(event) is BlockDone and stream.api == "gemini":
            return ChatGenerationChunk(message=gemini_part_chunk(event))
        message = chunk_for(event, self.model)
        return None if message is None else ChatGenerationChunk(message=message)

    def chat_result(self, result: StreamResult) -> ChatResult:
        """A non-streamed result as LangChain's ``ChatResult``."""
        message = result_to_message(result, self.model)
        return ChatResult(generations=[ChatGeneration(message=message)])
