"""Normalized events -> pydantic-ai's parts manager, and errors -> pydantic-ai's errors.

Each core event becomes at most a few parts-manager calls: text and reasoning deltas open a
new part whenever the other kind came in between (so text after thinking after text stays
three parts, in order); tool-call deltas are keyed by the call's stable index; a finished
thinking block (Messages API) adds its signature to the thinking part it closes; usage,
the finish reason and LemonData's response facts (request id, cache status) land on the
response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, cast

import pydantic_ai.exceptions
from pydantic_ai.exceptions import ModelAPIError, ModelHTTPError
from pydantic_ai.messages import (
    FinishReason,
    ModelResponseStreamEvent,
    NativeToolCallPart,
    NativeToolReturnPart,
)
from pydantic_ai.models import StreamedResponse
from pydantic_ai.usage import RequestUsage

from lemon_adapters.core.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
)
from lemon_adapters.core.events import (
    BlockDone,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)

from ._convert import GEMINI_PARTS, PROVIDER, REDACTED_ID

if TYPE_CHECKING:
    from lemon_adapters.core.client import AsyncResponseStream
    from lemon_adapters.core.wire.accumulate import StreamResult

_TRANSPORT = (APIConnectionError, APITimeoutError)
#: The core's finish reasons in pydantic-ai's (OpenTelemetry's) words.
FINISH: dict[str, FinishReason | None] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_call",
    "content_filter": "content_filter",
    "other": None,
}


def model_error(exc: LemonDataError, model_name: str) -> Exception:
    """The pydantic-ai error for one of ours (ours becomes its ``__cause__``, by the caller's
    ``raise ... from``): an HTTP status is a ``ModelHTTPError`` (so ``FallbackModel`` moves
    on), any other failure of the request a ``ModelAPIError``. A ``ConfigurationError`` (no
    key, a bad option) is the caller's to fix and stays as it is.

    Where pydantic-ai has error categories (newer releases), an error ours calls retryable
    is also the category its ``RetryOnModelErrors`` retries (rate limit, unavailable, server
    error, connection), with our ``retry_after``; one we call final is in none.
    """
    if isinstance(exc, ConfigurationError):
        return exc
    if exc.status_code is not None:
        body = exc.body if exc.body is not None else str(exc)
        for_category = getattr(ModelHTTPError, "for_category", None)
        if for_category is None:
            return ModelHTTPError(exc.status_code, model_name, body)
        return cast(
            Exception,
            for_category(
                _category(exc),
                status_code=exc.status_code,
                model_name=model_name,
                body=body,
                retry_after=exc.retry_after,
            ),
        )
    connection = getattr(pydantic_ai.exceptions, "ModelConnectionError", None)
    if connection is not None and exc.retryable and isinstance(exc, _TRANSPORT):
        return cast(Exception, connection(model_name, str(exc), retry_after=exc.retry_after))
    return ModelAPIError(model_name, str(exc))


def _category(exc: LemonDataError) -> Any:
    if not exc.retryable or exc.status_code is None:
        return None
    if exc.status_code == 429:
        name = "ModelRateLimitError"
    elif exc.status_code in (503, 529):
        name = "ModelUnavailableError"
    elif exc.status_code >= 500:
        name = "ModelServerError"
    else:
        return None
    return getattr(pydantic_ai.exceptions, name, None)


def request_usage(usage: Usage) -> RequestUsage:
    """The core's usage as pydantic-ai's (cache reads and writes included)."""
    details = {"reasoning_tokens": usage.reasoning_tokens} if usage.reasoning_tokens else {}
    return RequestUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cached_tokens or 0,
        cache_write_tokens=usage.cache_creation_tokens or 0,
        details=details,
    )


def response_facts(result: StreamResult, raw_reason: str | None) -> dict[str, Any]:
    """What LemonData said about the response beyond its parts, for ``provider_details``
    (and a Gemini answer's own parts, as ``gemini_parts``)."""
    facts = {
        "finish_reason": raw_reason,
        "api": result.api,
        "request_id": result.request_id,
        "cache_status": result.cache_status,
        "refusal": result.refusal or None,
        # A Gemini answer's parts, carried opaque for the next turn to send back verbatim
        # (every thoughtSignature on the part it came on, as Gemini 3 requires).
        GEMINI_PARTS: list(result.blocks) if result.api == "gemini" and result.blocks else None,
    }
    return {k: v for k, v in facts.items() if v is not None}


def thinking_facts(event: BlockDone) -> tuple[str, str | None]:
    """A finished block's type and its signature (a ``redacted_thinking`` block's data)."""
    if event.type == "redacted_thinking":
        return event.type, event.data
    return event.type, event.signature


@dataclass
class LemonStreamedResponse(StreamedResponse):
    """A pydantic-ai streamed response fed from a core stream's normalized events."""

    _model_name: str
    _stream: AsyncResponseStream
    _first: StreamEvent | None
    _provider_url: str
    _timestamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _segment: int = field(default=0, init=False)
    _last: Literal["text", "thinking", "other"] = field(default="other", init=False)

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        if self._first is not None:
            for out in self.feed(self._first):
                yield out
        try:
            async for event in self._stream:
                for out in self.feed(event):
                    yield out
        except LemonDataError as exc:
            raise model_error(exc, self._model_name) from exc

    def feed(self, event: StreamEvent) -> Iterator[ModelResponseStreamEvent]:
        """The parts-manager events for one core event (state is kept on ``self``)."""
        parts = self._parts_manager
        if isinstance(event, TextDelta):
            yield from parts.handle_text_delta(
                vendor_part_id=("text", self._switch("text")), content=event.text
            )
        elif isinstance(event, ToolCallDelta):
            self._last = "other"
            out = parts.handle_tool_call_delta(
                vendor_part_id=("tool", event.index),
                tool_name=event.name,
                args=event.arguments or None,
                tool_call_id=event.id,
            )
            if out is not None:
                yield out
        elif isinstance(event, ReasoningDelta):
            yield from parts.handle_thinking_delta(
                vendor_part_id=("thinking", self._switch("thinking")),
                content=event.text,
                provider_name=PROVIDER,
            )
        elif isinstance(event, BlockDone):
            yield from self._block_done(event)
        elif isinstance(event, ServerToolCall | ServerToolResult):
            self._last = "other"
            yield self._server_tool(event)
        else:
            self._bookkeeping(event)

    def _switch(self, kind: Literal["text", "thinking"]) -> int:
        if self._last != kind:
            self._segment += 1
            self._last = kind
        return self._segment

    def _block_done(self, event: BlockDone) -> Iterator[ModelResponseStreamEvent]:
        kind, signature = thinking_facts(event)
        if kind == "thinking" and signature:
            # The block closes the thinking part its deltas opened (the current segment
            # when thinking came last; a signature-only block opens its own part).
            segment = self._segment if self._last == "thinking" else self._switch("thinking")
            yield from self._parts_manager.handle_thinking_delta(
                vendor_part_id=("thinking", segment), signature=signature, provider_name=PROVIDER
            )
            self._last = "other"
        elif kind == "redacted_thinking" and signature:
            self._last = "other"
            yield from self._parts_manager.handle_thinking_delta(
                vendor_part_id=("redacted", event.index),
                id=REDACTED_ID,
                signature=signature,
                provider_name=PROVIDER,
            )

    def _server_tool(self, event: ServerToolCall | ServerToolResult) -> ModelResponseStreamEvent:
        if isinstance(event, ServerToolCall):
            call = NativeToolCallPart(
                tool_name=event.name,
                args=event.arguments,
                tool_call_id=event.id or "",
                provider_name=PROVIDER,
            )
            return self._parts_manager.handle_part(vendor_part_id=("server", event.id), part=call)
        result = NativeToolReturnPart(
            tool_name=event.name,
            content=event.output,
            tool_call_id=event.call_id or "",
            provider_name=PROVIDER,
        )
        key = ("result", event.call_id)
        return self._parts_manager.handle_part(vendor_part_id=key, part=result)

    def _bookkeeping(self, event: StreamEvent) -> None:
        if isinstance(event, ResponseStarted):
            self.provider_response_id = event.id
            if event.model:
                self._model_name = event.model
        elif isinstance(event, UsageReported):
            self._usage = request_usage(event.usage)
        elif isinstance(event, RefusalDelta):
            self.finish_reason = "content_filter"
        elif isinstance(event, Finish):
            if self.finish_reason is None:
                self.finish_reason = FINISH[event.reason]
            if event.result is not None:  # the parser attaches it to every Finish it hands out
                self.provider_details = response_facts(event.result, event.raw_reason)

    @property
    def model_name(self) -> str:
        """The model that answered (as the server named it, else as requested)."""
        return self._model_name

    @property
    def provider_name(self) -> str:
        """Always ``"lemondata"``."""
        return PROVIDER

    @property
    def provider_url(self) -> str:
        """The gateway's ``/v1`` URL."""
        return self._provider_url

    @property
    def timestamp(self) -> datetime:
        """When the request was made."""
        return self._timestamp
