"""One chat call across its attempts (streamed, or ``create``), as pure decisions: what to
send (the route, or the GET that resumes a background response), how to read what came back
(feed an event stream, read a JSON answer whole), and what to do after a failure (retry,
resume, fall back, give up), against one deadline and one stall limit.

No I/O, no clock and no randomness of its own (both come in, so every decision is a unit
test without a server or a sleep). The generator that orders the attempts is
:meth:`~.flow.BaseExchange.steps`; the drivers in :mod:`.drivers` run it; the rules are in
:mod:`.retry` and :mod:`.routes`. Feeding never raises; :meth:`Exchange.check` raises the one
sticky failure (with the partial result).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from lemon_adapters.core.errors import (
    ConfigurationError,
    LemonDataError,
    MalformedStreamError,
    StreamError,
    api_error,
)
from lemon_adapters.core.events import Api, ApiChoice, StreamEvent
from lemon_adapters.core.http.config import (
    ClientConfig,
    HTTPRequest,
    Timeouts,
)
from lemon_adapters.core.http.facts import note_native_route, response_facts
from lemon_adapters.core.http.flow import Action, BaseExchange, ReadMode
from lemon_adapters.core.http.routes import (
    FALLBACK,
    GEMINI_PREFIX,
    ROUTE_TABLE,
    is_route_rejection,
    route_for,
)
from lemon_adapters.core.request.build import Request
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.core.wire.nesting import body_too_deep, depth_error
from lemon_adapters.core.wire.parser import StreamParser


class Exchange(BaseExchange):
    """One chat call (streamed, or ``create``) across its attempts.

    Attributes:
        mode: what the caller asked for (``"responses"``, ``"chat"``, ``"messages"`` or
            ``"auto"``); ``api``: the API of the current attempt.
        neutral: the call's neutral :class:`~lemon_adapters.core.request.build.Request`.
        parser: the current response's parser (``None`` before the first response).
        delivered: an event has been handed to the caller: nothing is re-sent any more.
        fell_back: the request was re-sent via the :data:`~.routes.FALLBACK` route after a
            route rejection; ``resumes``: consecutive resumes that brought no new event.
    """

    def __init__(
        self,
        config: ClientConfig,
        request: Request,
        *,
        mode: ApiChoice,
        stream: bool,
        timeouts: Timeouts | None = None,
        deadline: float | None = None,
        resume: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if mode != "auto" and mode not in ROUTE_TABLE:
            names = ", ".join(repr(api) for api in (*ROUTE_TABLE, "auto"))
            raise ConfigurationError(f"api must be one of {names}, not {mode!r}")
        super().__init__(
            config,
            stream=stream,
            timeouts=timeouts,
            deadline=deadline,
            extra_headers=extra_headers,
            clock=clock,
            wall=wall,
        )
        self.mode: ApiChoice = mode
        self.neutral = request
        self.api: Api = mode if mode != "auto" else self._auto_api()
        if resume:
            _check_resumable(mode, stream, request)
        self.resume = resume
        self.parser: StreamParser | None = None
        self.delivered = False
        self.resumes = 0
        self.fell_back = False
        self._bodies: dict[Api, dict[str, Any]] = {}
        self._resuming = False
        self._quiet_since: float | None = None  # when the stall clock started
        self.request_body(self.api)  # configuration errors surface at call time, before I/O

    def _auto_api(self) -> Api:
        remembered = self.config.routes.get(self.config.base_url, self.neutral.model)
        return remembered or self.neutral.native_route or "responses"

    # -- what to send -----------------------------------------------------------------------

    def request_body(self, api: Api) -> dict[str, Any]:
        """The JSON body of the request for ``api``, built once."""
        body = self._bodies.get(api)
        if body is None:
            fallback = self.mode == "auto" and api in FALLBACK.values()
            body = self._bodies[api] = self.neutral.body(api, stream=self.stream, fallback=fallback)
        return body

    def next_request(self) -> HTTPRequest:
        """The POST, or the GET that resumes a background response."""
        self.deadline.start()
        self._reading = False
        self._quiet_since = self._clock()  # the stall limit counts from the request
        timeouts = self._timeouts()
        point = self.parser.resume_point if self._resuming and self.parser else None
        if point is not None and self.parser is not None:
            self.parser.new_connection()  # the failure that led here is superseded
            response_id, last = point
            params = {"stream": "true", "starting_after": str(last)}
            url = f"{self.config.base_url}/responses/{response_id}"
            return HTTPRequest("GET", url, None, params, self._headers, timeouts)
        route = route_for(self.api, stream=self.stream)
        url = route.url(self.config.base_url, self.neutral.model)
        headers = {**self._headers, **route.headers} if route.headers else self._headers
        body = self.request_body(self.api)
        return HTTPRequest("POST", url, body, dict(route.params) or None, headers, timeouts)

    # -- what came back -----------------------------------------------------------------------

    def open(self, status: int, headers: Mapping[str, str]) -> ReadMode:
        """An event stream is fed chunk by chunk; an error status and a JSON answer are read
        whole; anything else (an HTML page, a stream with no ``Content-Type``, which the
        WHATWG EventSource rules refuse too) only its head, to name it in the error."""
        self._status, self._response_headers = status, headers
        if not (self._resuming and self.parser is not None):
            facts = response_facts(headers)
            note_native_route(self.config.base_url, self.neutral.model, facts)
            stop = self.neutral.stop if self.api == "responses" else None
            self.parser = StreamParser(self.api, stop=stop, transport=facts)
        content_type = headers.get("content-type", "").lower()
        if status >= 400:
            return "whole"
        if "text/event-stream" in content_type or (
            # Gemini's stream without alt=sse: one JSON array, read as it arrives.
            self.api == "gemini" and self.stream and "json" in content_type
        ):
            self._resuming = False  # a resumed stream's parser carries on from here
            self._succeeded()
            self._reading = True
            return "stream"
        if "json" in content_type or (not content_type and not self.stream):
            return "whole"
        return "head"

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """The events one chunk of an event stream completes. Never raises.

        Progress (an event, or bytes of an event still arriving) restarts the stall limit;
        padding (keep-alive comments, Messages pings, empty chunks) does not. The clock is
        read for padding only, never per event (the hot path): the limit counts from the
        first padding after the last progress (or from the request), so a padded stall
        fails at most one padding interval after ``stall`` seconds from the last event."""
        parser = self.parser
        assert parser is not None
        at = self.deadline.at
        if at is not None and self._clock() >= at and not parser.finished:
            parser.fail_with(self.deadline.error())
            return []
        events = parser.feed(chunk)
        if not events:  # nothing to hand out, whatever happened (see _handed)
            if is_padding(chunk):
                self._padded(parser)
            else:
                self._quiet_since = None
            return events
        self._quiet_since = None
        if parser.failure is None:  # the per-token case: _handed's answer, without the call
            self.delivered = True
            self.resumes = 0
            return events
        return self._handed(events)

    def _padded(self, parser: StreamParser) -> None:
        """Padding arrived: start the stall clock, or fail when it ran out."""
        now = self._clock()
        if self._quiet_since is None:
            self._quiet_since = now
            return
        stall = self.stall
        if stall is not None and now - self._quiet_since >= stall and not parser.finished:
            parser.fail_with(self.stall_error())

    def end(self) -> list[StreamEvent]:
        """The events still buffered when the body ended. Never raises."""
        assert self.parser is not None
        return self._handed(self.parser.close())

    def read_whole(self, content: bytes) -> list[StreamEvent]:
        """The events of a body read whole (a JSON answer), or its failure. Never raises."""
        parser = self.parser
        assert parser is not None
        failure = self._whole_failure(content)
        if failure is not None:
            parser.fail_with(failure)
            return []
        if body_too_deep(content):  # refused the same way at any stack depth (wire.nesting)
            parser.fail_with(MalformedStreamError(depth_error("the JSON body")))
            return []
        try:
            obj = json.loads(content)
        except (ValueError, RecursionError):
            parser.fail_with(not_a_stream(self._content_type(), content, "an invalid JSON body"))
            return []
        if isinstance(obj, dict) and obj.get("error"):
            parser.fail_with(self._api_error(content))
            return []
        self._succeeded()
        return self._handed(parser.feed_json(obj))

    def _whole_failure(self, content: bytes) -> LemonDataError | None:
        content_type = self._content_type()
        if self._status >= 400:
            return self._api_error(content)
        if self._resuming:
            return MalformedStreamError(
                "the resume request was answered with something other than an event "
                f"stream ({content_type or 'no content type'}); events cannot be "
                "continued exactly once from it"
            )
        if "json" not in content_type.lower() and (self.stream or content_type):
            return not_a_stream(content_type, content)
        return None

    def _content_type(self) -> str:
        return self._response_headers.get("content-type", "")

    def _api_error(self, content: bytes) -> LemonDataError:
        return api_error(self._status, self._response_headers, content, now=self._wall())

    def check(self) -> None:
        """Raise the failure the response reported (error status, in-stream error, malformed
        data, the deadline, a stall), with the partial result, if there is one."""
        if self.parser is not None and self.parser.failure is not None:
            raise self.parser.failure

    def _whole(self) -> bool:
        """The terminal event arrived intact: a drop, stall or deadline while draining the
        rest of the body (read for connection reuse) does not make the answer less whole."""
        return self._reading and self.parser is not None and self.parser.answered

    def _attach(self, err: LemonDataError) -> LemonDataError:
        if self.parser is None:
            err.partial = StreamResult(api=self.api)
            return err
        return self.parser.fail_with(err)

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        return self.parser.result if self.parser is not None else StreamResult(api=self.api)

    # -- after a failure ------------------------------------------------------------------------

    def _decide(self, error: LemonDataError) -> tuple[Action, float]:
        point = self.parser.resume_point if self.parser is not None else None
        if self._resumable(error, point):
            if self.resumes >= self.config.retry.max_retries:
                raise error
            delay = self.config.retry.backoff(self.resumes, error.retry_after)
            delay = self._fit(delay, error)
            self.resumes += 1
            self._resuming = True
            return "resume", delay
        if self.delivered:
            raise error
        fallback = FALLBACK.get(self.api)
        if self.mode == "auto" and fallback and not self.fell_back and is_route_rejection(error):
            self.api, self.fell_back, self.parser = fallback, True, None
            return "fallback", 0.0
        delay = self._retry(error)
        self.parser = None  # the next attempt starts on a clean slate
        return "retry", delay

    def _resumable(self, error: LemonDataError, point: tuple[str, int] | None) -> bool:
        # Not after an error the response itself reported: resuming would replay it.
        return (
            self.resume
            and self.api == "responses"
            and point is not None
            and error.retryable
            and not isinstance(error, StreamError)
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _succeeded(self) -> None:
        """A usable response arrived: remember an ``auto`` fallback's choice, and a native
        route the gateway names for the model (``X-LemonData-Native-Endpoint``), so the
        model's next ``auto`` calls go there."""
        if self.mode != "auto":
            return
        routes, base, model = self.config.routes, self.config.base_url, self.neutral.model
        native = self.parser.result.native_endpoint if self.parser is not None else None
        if native is not None and native.rstrip("/").endswith(ROUTE_TABLE["messages"].path):
            routes.remember(base, model, "messages")
        elif native is not None and urlsplit(native).path.startswith(GEMINI_PREFIX):
            routes.remember(base, model, "gemini")
        elif self.fell_back:
            routes.remember(base, model, self.api)

    def _handed(self, events: list[StreamEvent]) -> list[StreamEvent]:
        """What reaches the caller: nothing when the attempt failed before any output (the
        caller's slate stays clean for a retry), else every event that arrived intact."""
        parser = self.parser
        assert parser is not None
        if parser.failure is not None and not self.delivered and not parser.output_received:
            return []
        if events:
            self.delivered = True
            self.resumes = 0
        return events


#: How padding starts: an SSE comment (``: keep-alive``), Anthropic's ``ping`` frame (with
#: or without its ``event:`` line; see tests/recordings/messages/wire/), nothing at all.
_PADDING = (b":", b"event: ping", b'data: {"type": "ping"', b'data: {"type":"ping"')


def is_padding(chunk: bytes) -> bool:
    """Whether a chunk that completed no event is keep-alive padding rather than part of an
    event still arriving (only such chunks are looked at: most chunks complete an event)."""
    if chunk.startswith(_PADDING):
        return True
    head = chunk.lstrip() if chunk[:1].isspace() else chunk  # no copy in the usual case
    return not head or head.startswith(_PADDING)


def _check_resumable(mode: ApiChoice, stream: bool, request: Request) -> None:
    if mode in ("chat", "messages", "gemini") or not stream:
        raise ConfigurationError("resume=True needs a streamed Responses API request")
    if not (request.options.get("background") or request.extra_body.get("background")):
        raise ConfigurationError(
            "resume=True needs background=True: only background responses can be resumed"
        )


def not_a_stream(content_type: str, head: bytes, what: str = "") -> MalformedStreamError:
    """The error of a body that should have been an event stream."""
    if not what:
        if "html" in content_type:
            what = "an HTML page"
        elif content_type:
            what = "an unexpected content type"
        else:
            what = "a response without a Content-Type"
    snippet = head[:200].decode("utf-8", "replace")
    return MalformedStreamError(
        f"{what} instead of an event stream (text/event-stream):"
        f" {content_type or 'no content type'}: {snippet!r}"
    )
