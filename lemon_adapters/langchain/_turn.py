"""One model call: the core request, and core events -> ``ChatGenerationChunk`` objects.

The mapping is shared by the sync and async paths of :class:`ChatLemonData`; they differ
only in how they iterate the core's stream.
"""

from __future__ import annotations

from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from lemon_adapters.core.events import Finish, StreamEvent
from lemon_adapters.core.request.call import Call
from lemon_adapters.core.wire.accumulate import StreamResult

from ._convert import chunk_for, last_chunk, result_to_message


class Turn:
    """One call: the core request, and the event -> chunk mapping shared by sync and async."""

    __slots__ = ("call", "model")

    def __init__(self, model: str, call: Call) -> None:
        self.model = model
        self.call = call

    def chunk(self, event: StreamEvent) -> ChatGenerationChunk | None:
        """The chunk for one event; the finish event carries the whole result."""
        if type(event) is Finish:
            assert isinstance(event, Finish) and event.result is not None  # the parser's
            return ChatGenerationChunk(message=last_chunk(event.result, self.model))
        message = chunk_for(event, self.model)
        return None if message is None else ChatGenerationChunk(message=message)

    def chat_result(self, result: StreamResult) -> ChatResult:
        """A non-streamed result as LangChain's ``ChatResult``."""
        message = result_to_message(result, self.model)
        return ChatResult(generations=[ChatGeneration(message=message)])
