"""The whole pure pipeline for one response: bytes -> SSE -> normalized events -> result.

:class:`StreamParser` is what the request lifecycle drives; it does no I/O. Feeding it never
raises: errors found in the body (an in-stream error event, invalid JSON or UTF-8, a field
of the wrong type, a missing terminal event) become :attr:`StreamParser.failure`, an
exception carrying the partial result, after the events that preceded them have been
returned. This is the one place where whatever a mapper raises on bad input is turned into
a :class:`~lemon_adapters.core.errors.MalformedStreamError`: the mappers index wire JSON
directly (cheap on the happy path) and rely on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from lemon_adapters.core.errors import IncompleteStreamError, LemonDataError, MalformedStreamError
from lemon_adapters.core.events import Api, Finish, StreamEvent
from lemon_adapters.core.wire.accumulate import Accumulator, StreamResult
from lemon_adapters.core.wire.anthropic_messages import MessagesMapper
from lemon_adapters.core.wire.chat_completions import ChatCompletionsMapper
from lemon_adapters.core.wire.gemini import GeminiMapper
from lemon_adapters.core.wire.json_array import GeminiBodyDecoder
from lemon_adapters.core.wire.responses import ResponsesMapper
from lemon_adapters.core.wire.sse import SSEDecoder
from lemon_adapters.core.wire.stop import StopFilter

#: What a mapper may raise on a field of the wrong type or shape (or on JSON nested past
#: the parser's limits); each becomes a MalformedStreamError naming the event.
_MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError)


class StreamParser:
    """Bytes (or a JSON answer) in, normalized events out, result accumulated.

    One per HTTP response, or per resumed response across its connections.

    Attributes:
        api: the wire format.
        failure: the error that ended the stream, once one did (``None`` otherwise).
        mapper: the API-specific mapper.
        request_id: the gateway's request id, when the headers named one.
    """

    __slots__ = ("_acc", "_decoder", "_stop", "api", "failure", "mapper", "request_id")

    def __init__(
        self,
        api: Api,
        *,
        stop: Sequence[str] | None = None,
        transport: Mapping[str, Any] | None = None,
    ) -> None:
        self.api = api
        self._decoder = _decoder_for(api)
        self.mapper: ResponsesMapper | ChatCompletionsMapper | MessagesMapper | GeminiMapper
        if api == "responses":
            self.mapper = ResponsesMapper()
        elif api == "messages":
            self.mapper = MessagesMapper()
        elif api == "gemini":
            self.mapper = GeminiMapper()
        else:
            self.mapper = ChatCompletionsMapper()
        self._acc = Accumulator(api=api)
        self._stop = StopFilter(stop) if stop else None
        self.request_id: str | None = None
        if transport:
            self.set_transport(transport)
        self.failure: LemonDataError | None = None

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far."""
        return self._acc.result

    @property
    def output_received(self) -> bool:
        """Any text, reasoning, refusal or tool-call delta has been produced."""
        return self._acc.output_received

    @property
    def finished(self) -> bool:
        """A terminal event was mapped (normal finish or in-stream error)."""
        return self.mapper.finished

    @property
    def answered(self) -> bool:
        """The terminal event arrived and nothing failed: the answer is whole."""
        return self.mapper.finished and self.failure is None

    @property
    def resume_point(self) -> tuple[str, int] | None:
        """``(response id, last sequence number)`` to resume a Responses stream from, if any."""
        mapper = self.mapper
        if (
            isinstance(mapper, ResponsesMapper)
            and mapper.response_id is not None
            and mapper.last_sequence_number >= 0
        ):
            return mapper.response_id, mapper.last_sequence_number
        return None

    def new_connection(self) -> None:
        """Continue on a new connection (a resumed stream): the mapper and the result carry
        on, events already seen are skipped by sequence number, and the SSE decoder starts
        afresh because the dropped connection may have left half a line buffered."""
        self._decoder = _decoder_for(self.api)
        self.failure = None

    def set_transport(self, facts: Mapping[str, Any]) -> None:
        """Record facts from the HTTP response headers in the result (``request_id``,
        ``cache_status``... see :class:`~lemon_adapters.core.wire.accumulate.StreamResult`)."""
        self.request_id = facts.get("request_id")
        self._acc.set_transport(facts)

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """Parse one network chunk. Check :attr:`failure` after using the events."""
        if self.failure is not None:
            return []
        out: list[StreamEvent] = []
        data = ""
        try:
            decoder = self._decoder
            map_data = self.mapper.map_data
            for event, data, _, _ in decoder.decode_fields(chunk):
                if "\\u" in data:  # JSON escapes: the only way a lone surrogate gets in
                    n = len(out)
                    map_data(event, data, out)
                    _refuse_lone_surrogates(out, n)
                else:
                    map_data(event, data, out)
            if decoder.error is not None:
                raise decoder.error  # after mapping the events that arrived intact
        except LemonDataError as exc:
            return self._fail(out, exc)
        except _MALFORMED as exc:
            return self._fail(out, malformed_event(self.api, data, exc))
        if len(out) == 1 and self._stop is None and not self.mapper.finished:
            self._acc.add(out[0])  # one delta from one chunk: the per-token case
            return out
        return self._fold(out)

    def feed_json(self, obj: Any) -> list[StreamEvent]:
        """Map a whole JSON answer (a response object, a chat completion or a Messages
        response) through the mapper's own handlers, as if it had streamed."""
        out: list[StreamEvent] = []
        try:
            mapper = self.mapper
            if isinstance(mapper, GeminiMapper) and isinstance(obj, list):
                # A streamed Gemini answer without alt=sse, read whole: its responses in turn.
                for element in obj:
                    if not isinstance(element, dict):
                        raise MalformedStreamError(f"a JSON-array element: {_clip(element)}")
                    mapper.map_response(element, out)
                obj = {}
            elif not isinstance(obj, dict):
                raise MalformedStreamError(f"a JSON answer that is not an object: {_clip(obj)}")
            if isinstance(mapper, ResponsesMapper):
                mapper.map_response(obj, out)
            elif isinstance(mapper, MessagesMapper):
                mapper.map_message(obj, out)
            elif isinstance(mapper, GeminiMapper):
                if obj:
                    mapper.map_response(obj, out)
                mapper.end(out)
            else:
                mapper.map_completion(obj, out)
            if not mapper.finished:
                raise MalformedStreamError(
                    f"a JSON answer that is not a complete {self.api} response: {_clip(obj)}"
                )
            _refuse_lone_surrogates(out, 0)
        except LemonDataError as exc:
            return self._fail(out, exc)
        except _MALFORMED as exc:
            return self._fail(out, malformed_event(self.api, _clip(obj), exc))
        return self._fold(out)

    def close(self) -> list[StreamEvent]:
        """End of body. Sets :attr:`failure` if the stream never reached a terminal event."""
        if self.failure is not None or self.mapper.finished:
            return []
        out: list[StreamEvent] = []
        try:
            for sse in self._decoder.flush():
                self.mapper.map(sse, out)
            if isinstance(self.mapper, ChatCompletionsMapper | GeminiMapper):
                self.mapper.end(out)
        except LemonDataError as exc:
            return self._fail(out, exc)
        except _MALFORMED as exc:
            return self._fail(out, malformed_event(self.api, "", exc))
        events = self._fold(out)
        if self.failure is None and not self.mapper.finished:
            self.failure = self._attach(IncompleteStreamError(self._incomplete_message()))
        return events

    def fail_with(self, exc: LemonDataError) -> LemonDataError:
        """Record ``exc`` (a transport error met while reading) with the partial result; the
        first failure recorded is the one returned."""
        if self.failure is None:
            self.failure = self._attach(exc)
        return self.failure

    def _incomplete_message(self) -> str:
        if not self.mapper.started:
            if self._decoder.comments:
                return "the stream ended after keep-alive comments, before any event"
            return "the response body ended before any event (empty or not an event stream)"
        kind = _TERMINAL[self.api]
        return f"the stream ended without {kind}: the output is truncated"

    def _fold(self, out: list[StreamEvent]) -> list[StreamEvent]:
        if self._stop is not None:
            out = self._stop.filter(out)
        add = self._acc.add
        for event in out:
            add(event)
        if out and self.mapper.finished:
            self._acc.fill_identity(self.mapper.response_id, self.mapper.model)
            last = out[-1]
            if type(last) is Finish:
                # The finish carries the whole result: consumers never reach back for it.
                out[-1] = replace(last, result=self._acc.result)
        return out

    def _fail(self, out: list[StreamEvent], exc: LemonDataError) -> list[StreamEvent]:
        events = self._fold(out)
        self._acc.fill_identity(self.mapper.response_id, self.mapper.model)
        self.fail_with(exc)
        return events

    def _attach(self, exc: LemonDataError) -> LemonDataError:
        exc.partial = self._acc.result
        exc.output_received = self._acc.output_received
        exc.request_id = exc.request_id or self.request_id
        return exc


#: What a stream that ends too early lacks, per API.
_TERMINAL: dict[Api, str] = {
    "responses": "a terminal response event",
    "chat": "a finish_reason",
    "messages": "message_stop",
    "gemini": "a finishReason",
}
_WHAT: dict[Api, str] = {
    "responses": "Responses event",
    "chat": "Chat Completions chunk",
    "messages": "Messages event",
    "gemini": "Gemini response",
}


def _decoder_for(api: Api) -> SSEDecoder | GeminiBodyDecoder:
    """Gemini bodies come as SSE, a JSON array or one object; the others as SSE."""
    return GeminiBodyDecoder() if api == "gemini" else SSEDecoder()


def _refuse_lone_surrogates(out: list[StreamEvent], start: int) -> None:
    """Text is never allowed to hold a lone surrogate (a ``\\ud800`` JSON escape without
    its pair): it cannot be encoded, so it would fail later, far from its cause, when the
    text is printed or sent back. Such an event is refused, as invalid UTF-8 is."""
    for event in out[start:]:
        for value in (
            getattr(event, "text", None),
            getattr(event, "arguments", None),
            getattr(event, "name", None),
            getattr(event, "id", None),
        ):
            if type(value) is str and not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    del out[start:]
                    raise MalformedStreamError(
                        f"a lone surrogate in {type(event).__name__}: {value[:80]!r}"
                    ) from None


def malformed_event(api: Api, data: str, exc: BaseException) -> MalformedStreamError:
    """The error for an event the mapper could not read (a field of the wrong type...)."""
    what = _WHAT[api]
    why = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}"
    detail = f": {exc}" if str(exc) and not isinstance(exc, RecursionError) else ""
    return MalformedStreamError(f"a malformed {what} ({why}{detail}): {data[:200]!r}")


def _clip(obj: Any) -> str:
    try:
        text = repr(obj)
    except RecursionError:
        return f"<a {type(obj).__name__} nested too deeply to show>"
    return text if len(text) <= 200 else text[:200] + "..."
