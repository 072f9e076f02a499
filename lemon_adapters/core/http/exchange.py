"""One call's lifecycle as pure decisions: what to send, how to read what came back, and
what to do after a failure (retry, resume, fall back, give up), all against one deadline.

No I/O, no clock and no randomness of its own (both come in, so every decision is a unit
test without a server or a sleep). The drivers in :mod:`lemon_adapters.core.client` send
what :meth:`Exchange.request` says and move bytes in; per attempt they call, in order::

    req = ex.request()                  # the POST, or the GET that resumes a response
    mode = ex.open(status, headers)     # "stream": feed the body; else read it and ...
    events = ex.feed(chunk)             #   ... per chunk: hand the events on, then
    ex.check()                          #   raise the failure the body reported, if any
    events = ex.end()                   # ... at the end of the body (or ex.body(content))
    ex.check()

Feeding never raises; :meth:`Exchange.check` raises the one sticky failure (with the
partial result). A transport exception is translated by :meth:`Exchange.transport_error`
(``None`` when the answer was already whole). After any :class:`LemonDataError` the driver
asks :meth:`Exchange.retry_delay` how long to sleep before the next attempt; it re-raises
the error when there is to be none. The rules are in :mod:`lemon_adapters.core.http.retry`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
    MalformedStreamError,
    StreamDisconnectedError,
    StreamError,
    api_error,
    redact,
    request_id_of,
)
from lemon_adapters.core.events import Api, ApiChoice, StreamEvent
from lemon_adapters.core.http.config import (
    TIMEOUT_PHASES,
    ClientConfig,
    Deadline,
    HTTPRequest,
    Timeouts,
    TransportFailure,
    scrub,
)
from lemon_adapters.core.http.retry import is_route_rejection
from lemon_adapters.core.request.build import Request
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.core.wire.parser import StreamParser

PATHS: dict[Api, str] = {
    "responses": "/responses",
    "chat": "/chat/completions",
    "messages": "/messages",
}
#: The Gemini route sits beside ``/v1`` (``{host}/v1beta/models/{model}:{method}``), and a
#: native-endpoint header naming it starts so (the gateway says ``/v1beta/gemini``).
GEMINI_PREFIX = "/v1beta"
#: The Anthropic API version the Messages route speaks (LemonData's docs send this one).
ANTHROPIC_VERSION = "2023-06-01"
#: Bytes of an unexpected (non-SSE, non-JSON) body read to name it in the error.
SNIPPET = 4096
logger = logging.getLogger("lemon_adapters")

#: How the driver reads a response: feed it chunk by chunk, read it whole (an error or a
#: JSON answer), or read its head only (something else, to name in the error).
ReadMode = Literal["stream", "whole", "head"]
Action = Literal["retry", "fallback", "resume"]


class Exchange:
    """One call across its attempts (see the module docstring for the protocol).

    Attributes:
        mode: what the caller asked for (``"responses"``, ``"chat"`` or ``"auto"``).
        api: the API of the current attempt.
        stream: an event stream was asked for (``False``: ``create``).
        deadline: the call's :class:`Deadline`.
        parser: the current response's parser (``None`` before the first response).
        delivered: an event has been handed to the caller: nothing is re-sent any more.
        attempts: re-sends so far (before the first event); ``fell_back``: the request was
            re-sent via Chat Completions after a route rejection; ``resumes``: consecutive
            resumes that brought no new event.
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
        if mode not in ("responses", "chat", "messages", "gemini", "auto"):
            raise ConfigurationError(
                f"api must be 'responses', 'chat', 'messages', 'gemini' or 'auto', not {mode!r}"
            )
        self.config = config
        self.mode: ApiChoice = mode
        self.request_ = request
        self.stream = stream
        self.timeouts = timeouts or config.timeouts
        self.deadline = Deadline(config.deadline if deadline is None else deadline, clock)
        self._wall = wall
        self._headers = {**config.headers(stream=stream), **(extra_headers or {})}
        self.api: Api = "responses" if mode == "auto" else mode
        if mode == "auto":
            self.api = config.routes.get(config.base_url, request.model) or (
                request.native_route or "responses"
            )
        if resume:
            if mode in ("chat", "messages", "gemini") or not stream:
                raise ConfigurationError("resume=True needs a streamed Responses API request")
            if not (request.options.get("background") or request.extra_body.get("background")):
                raise ConfigurationError(
                    "resume=True needs background=True: only background responses can be resumed"
                )
        self.resume = resume
        self.parser: StreamParser | None = None
        self.delivered = False
        self.attempts = 0
        self.resumes = 0
        self.fell_back = False
        self._bodies: dict[Api, dict[str, Any]] = {}
        self._resuming = False
        self._reading = False
        self._status = 0
        self._response_headers: Mapping[str, str] = {}
        self.body_for(self.api)  # configuration errors surface at call time, before any I/O

    # -- what to send -----------------------------------------------------------------------

    def body_for(self, api: Api) -> dict[str, Any]:
        """The request body for ``api``, built once."""
        body = self._bodies.get(api)
        if body is None:
            fallback = api == "chat" and self.mode == "auto"
            body = self._bodies[api] = self.request_.body(
                api, stream=self.stream, fallback=fallback
            )
        return body

    def request(self) -> HTTPRequest:
        """The next request: the POST, or the GET that resumes a background response."""
        self.deadline.start()
        self._reading = False
        timeouts = self.deadline.cap(self.timeouts)
        base = self.config.base_url
        point = self.parser.resume_point if self._resuming and self.parser else None
        if point is not None and self.parser is not None:
            self.parser.new_connection()  # the failure that led here is superseded
            response_id, last = point
            params = {"stream": "true", "starting_after": str(last)}
            url = f"{base}/responses/{response_id}"
            return HTTPRequest("GET", url, None, params, self._headers, timeouts)
        if self.api == "gemini":
            url, query = gemini_url(base, self.request_.model, stream=self.stream)
            body = self.body_for("gemini")
            return HTTPRequest("POST", url, body, query, self._headers, timeouts)
        url = base + PATHS[self.api]
        headers = self._headers
        if self.api == "messages":
            headers = {**headers, "anthropic-version": ANTHROPIC_VERSION}
        return HTTPRequest("POST", url, self.body_for(self.api), None, headers, timeouts)

    # -- what came back -----------------------------------------------------------------------

    def open(self, status: int, headers: Mapping[str, str]) -> ReadMode:
        """How to read the response that arrived with ``status`` and ``headers``.

        An event stream is fed chunk by chunk; an error status and a JSON answer are read
        whole; anything else (an HTML page, a stream with no ``Content-Type``, which the
        WHATWG EventSource rules refuse too) only its head, to name it in the error.
        """
        self._status, self._response_headers = status, headers
        if not (self._resuming and self.parser is not None):
            self.parser = self._new_parser(headers)
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
        """The events one chunk of an event stream completes. Never raises."""
        parser = self.parser
        assert parser is not None
        if self.deadline.at is not None and self.deadline.expired() and not parser.finished:
            parser.fail_with(self.deadline.error())
            return []
        return self._handed(parser.feed(chunk))

    def end(self) -> list[StreamEvent]:
        """The events still buffered when the body ended. Never raises."""
        assert self.parser is not None
        return self._handed(self.parser.close())

    def body(self, content: bytes) -> list[StreamEvent]:
        """The events of a body read whole (a JSON answer), or its failure. Never raises."""
        parser = self.parser
        assert parser is not None
        status, headers = self._status, self._response_headers
        if status >= 400:
            parser.fail_with(api_error(status, headers, content, now=self._wall()))
            return []
        content_type = headers.get("content-type", "")
        if self._resuming:
            parser.fail_with(
                MalformedStreamError(
                    "the resume request was answered with something other than an event "
                    f"stream ({content_type or 'no content type'}); events cannot be "
                    "continued exactly once from it"
                )
            )
            return []
        if "json" not in content_type.lower() and (self.stream or content_type):
            parser.fail_with(not_a_stream(content_type, content))
            return []
        try:
            obj = json.loads(content)
        except (ValueError, RecursionError):
            parser.fail_with(not_a_stream(content_type, content, "an invalid JSON body"))
            return []
        if isinstance(obj, dict) and obj.get("error"):
            parser.fail_with(api_error(status, headers, content, now=self._wall()))
            return []
        self._succeeded()
        return self._handed(parser.feed_json(obj))

    def check(self) -> None:
        """Raise the failure the response reported (error status, in-stream error, malformed
        data, the deadline), with the partial result, if there is one."""
        if self.parser is not None and self.parser.failure is not None:
            raise self.parser.failure

    def transport_error(self, kind: TransportFailure, detail: str) -> LemonDataError | None:
        """The one translation of a transport failure into a typed error with the partial
        result; ``None`` when the terminal event already arrived intact: a drop, stall or
        deadline while draining the rest of the body (read for connection reuse) does not
        make the answer any less whole.

        Args:
            kind: what failed (the client maps its transport's exceptions to these).
            detail: the exception's text, for the message (bearer tokens are redacted).
        """
        parser = self.parser
        if self._reading and parser is not None and parser.answered:
            return None
        detail = redact(detail)
        err: LemonDataError
        if kind == "deadline" or self.deadline.expired():
            err = self.deadline.error()
        elif kind in TIMEOUT_PHASES:
            phase, seconds = TIMEOUT_PHASES[kind], getattr(self.timeouts, kind.split("_")[0])
            mid = " mid-stream" if self._reading and self.delivered else ""
            err = APITimeoutError(f"{detail}: no progress for {seconds}s while {phase}{mid}")
        elif kind == "decoding":
            encoding = self._response_headers.get("content-encoding")
            label = f" as its Content-Encoding: {encoding} says" if encoding else ""
            err = MalformedStreamError(f"the body could not be decoded{label}: {detail}")
        elif kind == "dropped" and self._reading:
            err = StreamDisconnectedError(f"the connection dropped mid-stream: {detail}")
        else:
            err = APIConnectionError(detail)
        if parser is None:
            err.partial = StreamResult(api=self.api)
            return err
        return parser.fail_with(err)

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        return self.parser.result if self.parser is not None else StreamResult(api=self.api)

    # -- after a failure ------------------------------------------------------------------------

    def retry_delay(self, error: LemonDataError) -> float:
        """Seconds to wait before the next attempt after ``error``; re-raises it when there
        is to be no next attempt. The API key is scrubbed from the error first."""
        scrub(error, self.config.api_key)
        point = self.parser.resume_point if self.parser is not None else None
        action, delay = self._decide(error, point[0] if point else None)
        logger.info(
            "lemon_adapters: %s in %.3fs after %s: %s", action, delay, type(error).__name__, error
        )
        if action == "resume":
            self._resuming = True
        else:
            self.parser = None
        return delay

    def _decide(self, error: LemonDataError, response_id: str | None) -> tuple[Action, float]:
        if isinstance(error, ConfigurationError) or error.code == DEADLINE_CODE:
            raise error
        policy = self.config.retry
        if (
            self.resume
            and self.api == "responses"
            and response_id
            and error.retryable
            and not isinstance(error, StreamError)  # the response itself failed: resuming
        ):  # would replay the failure
            if self.resumes >= policy.max_retries:
                raise error
            delay = self._fit(policy.backoff(self.resumes, error.retry_after), error)
            self.resumes += 1
            return "resume", delay
        if self.delivered:
            raise error
        if (
            self.mode == "auto"
            and self.api == "responses"
            and not self.fell_back
            and is_route_rejection(error)
        ):
            self.api = "chat"
            self.fell_back = True
            return "fallback", 0.0
        wait = policy.delay(self.attempts, error)
        if wait is None:
            raise error
        self.attempts += 1
        return "retry", self._fit(wait, error)

    def _fit(self, delay: float, error: LemonDataError) -> float:
        remaining = self.deadline.remaining()
        if remaining is not None and delay >= remaining:
            raise error
        return delay

    # -- helpers ---------------------------------------------------------------------------------

    def _new_parser(self, headers: Mapping[str, str]) -> StreamParser:
        facts = response_facts(headers)
        if facts["native_endpoint"]:
            _note_native_route(self.config.base_url, self.request_.model, facts)
        return StreamParser(
            self.api,
            stop=self.request_.stop if self.api == "responses" else None,
            transport=facts,
        )

    def _succeeded(self) -> None:
        """A usable response arrived: remember an ``auto`` fallback's choice, and a native
        route the gateway names for the model (``X-LemonData-Native-Endpoint``), so the
        model's next ``auto`` calls go there."""
        if self.mode != "auto":
            return
        routes, base, model = self.config.routes, self.config.base_url, self.request_.model
        native = self.parser.result.native_endpoint if self.parser is not None else None
        if native is not None and native.rstrip("/").endswith(PATHS["messages"]):
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


def gemini_url(base_url: str, model: str, *, stream: bool) -> tuple[str, dict[str, str] | None]:
    """The Gemini route for ``model``: ``{host}/v1beta/models/{model}:streamGenerateContent``
    with ``alt=sse`` (``:generateContent`` when not streaming), where ``{host}`` is the base
    URL without its ``/v1``. The model name is path-encoded (``/`` too); the key travels in
    the ``Authorization`` header only, never in the URL, where logs and proxies keep it."""
    host = base_url.removesuffix("/v1")
    method = "streamGenerateContent" if stream else "generateContent"
    url = f"{host}{GEMINI_PREFIX}/models/{quote(model, safe='')}:{method}"
    return url, {"alt": "sse"} if stream else None


def response_facts(headers: Mapping[str, str]) -> dict[str, Any]:
    """What LemonData's response headers state about the answer (see ``StreamResult``)."""
    return {
        "request_id": request_id_of(headers),
        "cache_status": headers.get("x-cache-status"),
        "upstream_cache_read": _count(headers.get("x-upstream-cache-read")),
        "upstream_cache_write": _count(headers.get("x-upstream-cache-write")),
        "native_endpoint": headers.get("x-lemondata-native-endpoint"),
        "native_hint": headers.get("x-lemondata-hint"),
    }


_NOTED: set[tuple[str, str]] = set()
_NOTED_LOCK = threading.Lock()


def _note_native_route(base_url: str, model: str, facts: Mapping[str, Any]) -> None:
    """Log the gateway's native-route hint once per model (at INFO: it is advice, and a
    warning per call would drown everything else)."""
    with _NOTED_LOCK:
        if (base_url, model) in _NOTED:
            return
        _NOTED.add((base_url, model))
    logger.info(
        "lemon_adapters: %s has a native route, %s: %s",
        model,
        facts["native_endpoint"],
        facts["native_hint"] or "(no hint text)",
    )


def _count(value: str | None) -> int | None:
    """A non-negative token count from a header, else None (a bad value is not guessed)."""
    return int(value) if value is not None and value.strip().isdigit() else None


def not_a_stream(content_type: str, head: bytes, what: str = "") -> MalformedStreamError:
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
