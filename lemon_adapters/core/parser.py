"""The whole pure pipeline for one response: bytes -> SSE -> normalized events -> result.

:class:`StreamParser` is what the sync and async clients drive; it does no I/O, so both
share every line of parsing and differ only in how bytes arrive. Errors found in the body
(an in-stream error event, invalid JSON or UTF-8, a missing terminal event) become
:attr:`StreamParser.failure`, an exception carrying the partial result, after the events
that preceded them have been returned.
"""

from __future__ import annotations

from typing import Any, Literal

from .accumulate import Accumulator, StreamResult
from .chat_completions import ChatCompletionsMapper
from .errors import IncompleteStreamError, LemonDataError, MalformedStreamError, StreamError
from .events import StreamEvent, StreamFailed
from .responses import ResponsesMapper
from .sse import ServerSentEvent, SSEDecoder

Api = Literal["responses", "chat"]


class StreamParser:
    """Bytes in, normalized events out, result accumulated. One per HTTP response.

    Attributes:
        failure: the error that ended the stream, once one did (``None`` otherwise).
        mapper: the API-specific mapper (its ``finished``, ``saw_done`` and, on the
            Responses API, ``response_id`` / ``last_sequence_number`` are useful to callers).
    """

    __slots__ = ("_acc", "_decoder", "api", "failure", "mapper", "request_id")

    def __init__(
        self, api: Api, *, request_id: str | None = None, cache_status: str | None = None
    ) -> None:
        self.api = api
        self._decoder = SSEDecoder()
        self.mapper: ResponsesMapper | ChatCompletionsMapper = (
            ResponsesMapper() if api == "responses" else ChatCompletionsMapper()
        )
        self._acc = Accumulator(api=api)
        if request_id or cache_status:
            self._acc.set_transport(cache_status=cache_status, request_id=request_id)
        self.request_id = request_id
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
        self._decoder = SSEDecoder()
        self.failure = None

    def set_transport(self, *, cache_status: str | None, request_id: str | None) -> None:
        """Record facts from the HTTP response headers in the result."""
        self.request_id = request_id
        self._acc.set_transport(cache_status=cache_status, request_id=request_id)

    def replay(self, events: list[StreamEvent]) -> list[StreamEvent]:
        """Fold events produced elsewhere (a JSON answer to a streaming request)."""
        return self._fold(list(events))

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """Parse one network chunk. Check :attr:`failure` after using the events."""
        if self.failure is not None:
            return []
        out: list[StreamEvent] = []
        try:
            decoder = self._decoder
            map_data = self.mapper.map_data
            for event, data, _, _ in decoder.decode_fields(chunk):
                map_data(event, data, out)
            if decoder.error is not None:
                raise decoder.error  # after mapping the events that arrived intact
        except LemonDataError as exc:
            return self._fail(out, exc)
        if len(out) == 1 and not self.mapper.finished:
            self._acc.add(out[0])  # one delta from one chunk: the per-token case
            return out
        return self._fold(out)

    def feed_events(self, sses: list[ServerSentEvent]) -> list[StreamEvent]:
        """Parse already-decoded SSE events (for callers that decode elsewhere)."""
        out: list[StreamEvent] = []
        try:
            for sse in sses:
                self.mapper.map(sse, out)
        except LemonDataError as exc:
            return self._fail(out, exc)
        return self._fold(out)

    def close(self) -> list[StreamEvent]:
        """End of body. Sets :attr:`failure` if the stream never reached a terminal event."""
        if self.failure is not None:
            return []
        out: list[StreamEvent] = []
        try:
            for sse in self._decoder.flush():
                self.mapper.map(sse, out)
            if isinstance(self.mapper, ChatCompletionsMapper):
                self.mapper.end(out)
        except LemonDataError as exc:
            return self._fail(out, exc)
        events = self._fold(out)
        if self.failure is None and not self.mapper.finished:
            self.failure = self._attach(
                IncompleteStreamError(self._incomplete_message()),
            )
        return events

    def _incomplete_message(self) -> str:
        if not self.mapper.started:
            if self._decoder.comments:
                return "the stream ended after keep-alive comments, before any event"
            return "the response body ended before any event (empty or not an event stream)"
        kind = "terminal response event" if self.api == "responses" else "finish_reason"
        return f"the stream ended without a {kind}: the output is truncated"

    def _fold(self, out: list[StreamEvent]) -> list[StreamEvent]:
        add = self._acc.add
        for event in out:
            add(event)
        if out and self.mapper.finished:
            self._acc.fill_identity(self.mapper.response_id, self.mapper.model)
        if out and type(out[-1]) is StreamFailed:
            failed = out.pop()
            assert isinstance(failed, StreamFailed)
            self.failure = self._attach(
                StreamError(
                    failed.message,
                    code=failed.code,
                    type=failed.type,
                    param=failed.param,
                    body=failed.body,
                    **_hints(failed.body),
                )
            )
        return out

    def _fail(self, out: list[StreamEvent], exc: LemonDataError) -> list[StreamEvent]:
        events = self._fold(out)
        if self.failure is None:
            self.failure = self._attach(exc)
        return events

    def _attach(self, exc: LemonDataError) -> LemonDataError:
        exc.partial = self._acc.result
        exc.output_received = self._acc.output_received
        exc.request_id = exc.request_id or self.request_id
        return exc

    def fail_with(self, exc: LemonDataError) -> LemonDataError:
        """Attach the partial result to a transport error raised while reading."""
        if self.failure is None:
            self.failure = self._attach(exc)
        return self.failure


def _hints(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("error")
    error: dict[str, Any] = raw if isinstance(raw, dict) else body
    hints: dict[str, Any] = {}
    for key in ("did_you_mean", "suggestions", "hint", "retryable", "retry_after"):
        if error.get(key) is not None:
            hints[key] = error[key]
    return hints


def parse_body(api: Api, body: bytes) -> StreamParser:
    """Parse a whole stream body at once (tests, replay). Check ``failure`` on the result."""
    parser = StreamParser(api)
    parser.feed(body)
    parser.close()
    return parser


def malformed_body(content_type: str, head: bytes) -> MalformedStreamError:
    """The error for a streaming request answered with something that is not SSE."""
    snippet = head[:200].decode("utf-8", "replace")
    return MalformedStreamError(
        f"expected an event stream (text/event-stream) but got {content_type or 'no content type'}"
        f": {snippet!r}"
    )


def events_from_object(api: Api, obj: dict[str, Any]) -> StreamParser:
    """Map a non-streaming response object through the same mappers as a stream.

    A Responses object is read as its own terminal event; a chat completion as one chunk
    whose ``delta`` is the message, then ``[DONE]``. The returned parser holds the events'
    result (and ``failure`` for a failed response).
    """
    parser = StreamParser(api)
    if api == "responses":
        status = obj.get("status")
        kind = {"incomplete": "response.incomplete", "failed": "response.failed"}.get(
            str(status), "response.completed"
        )
        frames = [ServerSentEvent("message", _dumps({"type": kind, "response": obj}), "", None)]
    else:
        chunk = {k: v for k, v in obj.items() if k != "choices"}
        choices = []
        for choice in obj.get("choices") or ():
            message = dict(choice.get("message") or {})
            if message.get("tool_calls"):
                message["tool_calls"] = [
                    {"index": i, **tc} for i, tc in enumerate(message["tool_calls"])
                ]
            choices.append({**choice, "delta": message})
        chunk["choices"] = choices
        frames = [
            ServerSentEvent("message", _dumps(chunk), "", None),
            ServerSentEvent("message", "[DONE]", "", None),
        ]
    parser.feed_events(frames)
    if not parser.finished and parser.failure is None:
        parser.close()
    return parser


def _dumps(obj: Any) -> str:
    import json

    return json.dumps(obj)
