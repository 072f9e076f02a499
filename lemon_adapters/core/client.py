"""The only I/O in the package: httpx clients around the pure parser and the retry plan.

Everything that decides -- which URL and body, how a response or transport failure maps to
an exception, whether to retry, resume or fall back and how long to wait (see
:mod:`lemon_adapters.core.retry` for the rules) -- lives in :class:`_Call`, shared by both
clients. The sync and async drivers (``_attempt`` in each stream class) only send the
request, move bytes into :meth:`_Call.feed` and sleep; they differ in the ``await``s and in
how the overall ``deadline`` is enforced:

* async: every network wait runs under an ``anyio.fail_after`` scope sized to the time left;
* sync: connect/read/write timeouts are capped by the time left when each request is sent,
  the deadline is checked between chunks, and a timer shuts the socket down at the
  deadline so a stall in the middle of a stream cannot outlive it.

Connections: the stream is read to the end of the body even after the terminal event, so
keep-alive connections go back to the pool; closing a stream early (``break`` then
``close()``, leaving a ``with`` block, garbage collection, task cancellation) closes the
response, and httpx discards a connection whose body was not fully read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, cast

import anyio
import httpx

from .. import __version__
from .accumulate import StreamResult
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
    MalformedStreamError,
    StreamDisconnectedError,
    redact,
    status_error_class,
)
from .events import StreamEvent
from .parser import StreamParser, events_from_object, malformed_body
from .request import Message, Tool, build_body
from .retry import (
    RETRY_STATUSES,
    ROUTES,
    ApiChoice,
    RetryPolicy,
    RouteMemory,
    StreamPlan,
    parse_retry_after,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ROUTES",
    "AsyncLemonDataClient",
    "AsyncResponseStream",
    "LemonDataClient",
    "ResponseStream",
    "RetryPolicy",
    "RouteMemory",
    "request_id_of",
    "status_error",
]

Api = Literal["responses", "chat"]
DEFAULT_BASE_URL = "https://api.lemondata.cc/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)
_PATHS = {"responses": "/responses", "chat": "/chat/completions"}
_SNIPPET = 4096  # bytes of a non-SSE body read to name it in the error
logger = logging.getLogger("lemon_adapters")


def request_id_of(headers: httpx.Headers) -> str | None:
    """The gateway's request id, for support tickets."""
    value = headers.get("x-request-id") or headers.get("request-id") or headers.get("x-trace-id")
    return None if value is None else str(value)


def status_error(status: int, headers: httpx.Headers, content: bytes) -> APIStatusError:
    """Map an HTTP error response to a typed exception with LemonData's hints."""
    body: Any = None
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    error: dict[str, Any] = {}
    if isinstance(body, dict):
        raw = body.get("error", body)
        if isinstance(raw, dict):
            error = raw
        elif isinstance(raw, str):
            error = {"message": raw}
        if "detail" in body and "message" not in error:
            error["message"] = str(body["detail"])
    message = error.get("message")
    if not message:
        message = f"HTTP {status}" + _describe_body(headers.get("content-type", ""), content)
    code = error.get("code")
    param = error.get("param")
    retry_after = error.get("retry_after")
    header_retry = parse_retry_after(headers)
    if header_retry is not None:
        retry_after = header_retry
    retryable = error.get("retryable")
    if not isinstance(retryable, bool):
        retryable = status in RETRY_STATUSES
    suggestions = error.get("suggestions")
    cls = status_error_class(status)
    return cls(
        str(message),
        status_code=status,
        code=None if code is None else str(code),
        type=error.get("type"),
        param=None if param is None else str(param),
        did_you_mean=error.get("did_you_mean"),
        suggestions=suggestions if isinstance(suggestions, list) else None,
        hint=error.get("hint"),
        retryable=retryable,
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
        request_id=request_id_of(headers),
        body=body if body is not None else content[:2000].decode("utf-8", "replace"),
    )


def _describe_body(content_type: str, content: bytes) -> str:
    text = content[:300].decode("utf-8", "replace").strip()
    if not text:
        return " with an empty body"
    if "html" in content_type or text[:1] == "<":
        return (
            f" with an HTML page instead of a JSON error (from a proxy or load balancer?):"
            f" {text[:200]!r}"
        )
    return f" ({content_type or 'no content type'}): {text[:200]!r}"


def _capped(timeout: httpx.Timeout, remaining: float | None) -> httpx.Timeout:
    if remaining is None:
        return timeout
    # A zero timeout would mean "no wait at all" to some backends; keep a sliver.
    left = max(remaining, 0.001)

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


class _ClientBase:
    """Configuration shared by both clients."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        max_retry_delay: float = 30.0,
        deadline: float | None = None,
        default_headers: Mapping[str, str] | None = None,
        http2: bool = False,
        routes: RouteMemory | None = None,
    ) -> None:
        self._api_key = api_key if api_key is not None else os.environ.get("LEMONDATA_API_KEY")
        self.base_url = (
            base_url or os.environ.get("LEMONDATA_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.timeout = _timeout(timeout) if timeout is not None else DEFAULT_TIMEOUT
        self.retry = RetryPolicy(
            max_retries, max_delay=max_retry_delay, initial_delay=min(0.5, max_retry_delay)
        )
        self.deadline = deadline
        self.default_headers = dict(default_headers or {})
        self.http2 = http2
        self.routes = ROUTES if routes is None else routes

    @property
    def max_retries(self) -> int:
        """How many times a failed request is re-sent before the first event."""
        return self.retry.max_retries

    def __repr__(self) -> str:
        key = "set" if self._api_key else "missing"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key=<{key}>)"

    def _headers(self, stream: bool) -> dict[str, str]:
        if not self._api_key:
            raise ConfigurationError(
                "no API key: pass api_key=... or set the LEMONDATA_API_KEY environment variable"
            )
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "text/event-stream" if stream else "application/json",
            "User-Agent": f"lemon-adapters/{__version__}",
        }
        headers.update(self.default_headers)
        return headers

    def _call(
        self,
        *,
        api: ApiChoice,
        model: str,
        messages: Sequence[Message],
        tools: Sequence[Tool] | None,
        tool_choice: Any,
        stream: bool,
        params: dict[str, Any],
    ) -> _Call:
        return _Call(self, api, model, messages, tools, tool_choice, stream, params)

    def _scrub(self, exc: LemonDataError) -> LemonDataError:
        """Remove the exact API key from an error, whatever its shape (servers echo keys)."""
        key = self._api_key
        if key and len(key) >= 4:
            exc.message = exc.message.replace(key, "***")
            exc.args = (exc.message,)
            for name in ("body", "hint", "did_you_mean", "suggestions", "param", "code", "type"):
                setattr(exc, name, _scrub_value(getattr(exc, name), key))
        return exc


def _scrub_value(value: Any, key: str) -> Any:
    if isinstance(value, str):
        return value.replace(key, "***")
    if isinstance(value, dict):
        return {k: _scrub_value(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_value(v, key) for v in value]
    return value


def _timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value, connect=min(float(value), 10.0))


class _Request:
    __slots__ = ("headers", "json", "method", "params", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        json: dict[str, Any] | None,
        params: dict[str, str] | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        self.method = method
        self.url = url
        self.json = json
        self.params = params
        self.headers = headers
        self.timeout = timeout


class _Call:
    """One logical request across its attempts: what to send, how to read, what next.

    Everything here is shared by the sync and async drivers; none of it does I/O.
    """

    def __init__(
        self,
        client: _ClientBase,
        mode: ApiChoice,
        model: str,
        messages: Sequence[Message],
        tools: Sequence[Tool] | None,
        tool_choice: Any,
        stream: bool,
        params: dict[str, Any],
    ) -> None:
        if mode not in ("responses", "chat", "auto"):
            raise ConfigurationError(f"api must be 'responses', 'chat' or 'auto', not {mode!r}")
        self.client = client
        self.stream = stream
        self._extra_headers = dict(params.pop("extra_headers", None) or {})
        self._extra_body = dict(params.pop("extra_body", None) or {})
        timeout = params.pop("timeout", None)
        self.timeout = client.timeout if timeout is None else _timeout(timeout)
        deadline = params.pop("deadline", client.deadline)
        resume = bool(params.pop("resume", False))
        self._mode = mode
        self._inputs = (model, messages, tools, tool_choice, params)
        self._bodies: dict[Api, dict[str, Any]] = {}
        self._headers = client._headers(stream)
        self._headers.update(self._extra_headers)
        api: Api = "chat" if mode == "chat" else "responses"
        if mode == "auto":
            api = client.routes.get(client.base_url, model) or "responses"
            if api == "responses":
                try:
                    self.body_for("responses")
                except ConfigurationError:
                    api = "chat"  # a chat-only option (e.g. ``stop``): no request needed to know
        if resume:
            if mode == "chat" or not stream:
                raise ConfigurationError("resume=True needs a streamed Responses API request")
            if not (params.get("background") or self._extra_body.get("background")):
                raise ConfigurationError(
                    "resume=True needs background=True: only background responses can be resumed"
                )
        if deadline is not None and deadline <= 0:
            raise ConfigurationError(f"deadline must be > 0 seconds, not {deadline}")
        self.plan = StreamPlan(
            mode=mode,
            api=api,
            model=model,
            base_url=client.base_url,
            policy=client.retry,
            deadline=deadline,
            resume=resume,
            routes=client.routes,
        )
        self.body_for(api)  # configuration errors surface at call time, before any I/O
        self.parser: StreamParser | None = None
        #: The current attempt's HTTP response (the stream objects expose it).
        self.response: httpx.Response | None = None
        self._resuming = False

    # -- what to send ---------------------------------------------------------------------

    @property
    def api(self) -> Api:
        """The API the current attempt uses."""
        return self.plan.api

    def body_for(self, api: Api) -> dict[str, Any]:
        """The request body for ``api``, built once from the neutral inputs."""
        body = self._bodies.get(api)
        if body is None:
            model, messages, tools, tool_choice, params = self._inputs
            params = dict(params)
            if api == "chat" and self._mode == "auto":
                params.pop("background", None)  # Responses-only; chat would reject it
            body = build_body(
                api,
                model=model,
                messages=messages,
                tools=tools,
                tool_choice=tool_choice,
                stream=self.stream,
                params=params,
            )
            body.update(self._extra_body)
            self._bodies[api] = body
        return body

    def request(self) -> _Request:
        """The next HTTP request: the POST, or the GET that resumes a background response."""
        self.plan.start()
        timeout = _capped(self.timeout, self.plan.remaining())
        point = self.parser.resume_point if self._resuming and self.parser else None
        if point is not None:
            assert self.parser is not None
            # The failure that led here is superseded by this try; same mapper and result.
            self.parser.new_connection()
            response_id, last_sequence_number = point
            url = f"{self.client.base_url}/responses/{response_id}"
            params = {"stream": "true", "starting_after": str(last_sequence_number)}
            headers = {k: v for k, v in self._headers.items() if k != "Content-Type"}
            return _Request("GET", url, None, params, headers, timeout)
        url = self.client.base_url + _PATHS[self.api]
        return _Request("POST", url, self.body_for(self.api), None, self._headers, timeout)

    # -- what came back ---------------------------------------------------------------------

    def open(self, response: httpx.Response) -> bool:
        """Whether ``response`` is an event stream to feed; else read it and call :meth:`body`."""
        if response.status_code >= 400:
            return False
        content_type = response.headers.get("content-type", "")
        if content_type and "event-stream" not in content_type:
            return False
        if self._resuming and self.parser is not None:
            self._resuming = False  # request() already moved the parser to this connection
        else:
            self.parser = self._new_parser(response)
        self.plan.succeeded()
        return True

    def _new_parser(self, response: httpx.Response) -> StreamParser:
        return StreamParser(
            self.api,
            request_id=request_id_of(response.headers),
            cache_status=response.headers.get("x-cache-status"),
        )

    @staticmethod
    def wants_whole_body(response: httpx.Response) -> bool:
        """Error statuses and JSON answers are read whole; anything else only in part."""
        return response.status_code >= 400 or "json" in response.headers.get("content-type", "")

    def body(self, response: httpx.Response, content: bytes) -> list[StreamEvent]:
        """Events for a non-SSE answer (a JSON object), or the typed error it means."""
        if response.status_code >= 400:
            raise self._attach(status_error(response.status_code, response.headers, content))
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            what = "an HTML page" if "html" in content_type else "an unexpected content type"
            err = malformed_body(content_type, content)
            err.message = f"{what} instead of an event stream: {err.message}"
            err.args = (err.message,)
            raise self._attach(err)
        if self._resuming:
            raise self._attach(
                MalformedStreamError(
                    "the resume request was answered with a JSON object, not an event stream; "
                    "events cannot be continued exactly once from it"
                )
            )
        result = _json_result(self.api, response, content)
        self.plan.succeeded()
        self.parser = self._new_parser(response)
        if not self.stream:
            self._result = result
            return []
        events = _replay(self.parser, result)
        self.plan.progressed()
        return events

    def object_result(self, response: httpx.Response) -> StreamResult:
        """The result of a non-streaming call (``create``)."""
        self.body(response, response.content)
        return self._result

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """Parse one chunk; the events returned are about to reach the caller."""
        plan = self.plan
        parser = self.parser
        assert parser is not None
        if (
            plan.deadline_at is not None
            and time.monotonic() >= plan.deadline_at
            and not parser.finished
        ):
            raise self._attach(plan.deadline_error())
        events = parser.feed(chunk)
        if events:
            if not plan.delivered and parser.failure is not None and not parser.output_received:
                # The attempt failed before producing output (e.g. an error frame right after
                # the start): keep the caller's slate clean so a retry starts from nothing.
                raise parser.failure
            plan.delivered = True
            plan.resumes = 0
        elif parser.failure is not None:
            # An error frame alone in its chunk: raise now, not when the server closes.
            raise parser.failure
        return events

    def answered(self) -> bool:
        """The terminal event arrived and nothing failed: a later drop, stall or deadline
        while draining the body (for keep-alive) does not make the answer any less whole."""
        parser = self.parser
        return parser is not None and parser.finished and parser.failure is None

    def check(self) -> None:
        """Raise the error the body reported (in-stream error, malformed data), if any."""
        assert self.parser is not None
        if self.parser.failure is not None:
            raise self.parser.failure

    def eof(self) -> list[StreamEvent]:
        """The body ended; events still buffered. Call :meth:`check` after using them."""
        assert self.parser is not None
        events = self.parser.close()
        if events:
            self.plan.progressed()
        return events

    def transport_error(
        self, exc: BaseException, *, reading: bool, deadline_hit: bool = False
    ) -> LemonDataError:
        """The one place transport exceptions become lemon_adapters exceptions."""
        err: LemonDataError
        if (
            deadline_hit
            or isinstance(exc, TimeoutError)
            or (isinstance(exc, httpx.TimeoutException) and self.plan.expired())
        ):
            err = self.plan.deadline_error()
        elif isinstance(exc, httpx.TimeoutException):
            what = {
                httpx.ConnectTimeout: ("connecting", self.timeout.connect),
                httpx.ReadTimeout: ("waiting for data", self.timeout.read),
                httpx.WriteTimeout: ("sending the request", self.timeout.write),
                httpx.PoolTimeout: ("waiting for a free connection", self.timeout.pool),
            }.get(type(exc), ("waiting", None))
            mid = " mid-stream" if reading and self.plan.delivered else ""
            err = APITimeoutError(
                f"{type(exc).__name__}: no progress for {what[1]}s while {what[0]}{mid}"
            )
        elif reading and isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            err = StreamDisconnectedError(
                f"the connection dropped mid-stream: {redact(str(exc)) or type(exc).__name__}"
            )
        else:
            err = APIConnectionError(f"{type(exc).__name__}: {redact(str(exc))}")
        return self._attach(err)

    def _attach(self, err: LemonDataError) -> LemonDataError:
        if self.parser is not None:
            return self.parser.fail_with(err)
        err.partial = StreamResult(api=self.api)
        return err

    def next_step(self, exc: LemonDataError) -> float:
        """Decide after a failed attempt: seconds to sleep before the next one, or raise."""
        self.client._scrub(exc)
        parser = self.parser
        point = parser.resume_point if parser is not None else None
        response_id = point[0] if point is not None else None
        action, delay = self.plan.decide(exc, response_id=response_id)
        logger.info(
            "lemon_adapters: %s in %.3fs after %s: %s", action, delay, type(exc).__name__, exc
        )
        if action == "resume":
            self._resuming = True
        else:
            self.parser = None
        return delay


def _json_result(api: Api, response: httpx.Response, content: bytes) -> StreamResult:
    try:
        obj = json.loads(content)
    except ValueError:
        raise malformed_body(response.headers.get("content-type", ""), content) from None
    if not isinstance(obj, dict):
        raise malformed_body(response.headers.get("content-type", ""), content)
    if "error" in obj and obj.get("error"):
        raise status_error(response.status_code, response.headers, content)
    parser = events_from_object(api, obj)
    parser.set_transport(
        cache_status=response.headers.get("x-cache-status"),
        request_id=request_id_of(response.headers),
    )
    if parser.failure is not None:
        raise parser.failure
    return parser.result


def _replay(parser: StreamParser, result: StreamResult) -> list[StreamEvent]:
    """Events for a JSON (non-stream) answer to a streaming request."""
    from .events import (
        Finish,
        ReasoningDelta,
        RefusalDelta,
        ResponseStarted,
        TextDelta,
        ToolCallDelta,
        UsageReported,
    )

    events: list[StreamEvent] = [ResponseStarted(id=result.response_id, model=result.model)]
    if result.reasoning:
        events.append(ReasoningDelta(text=result.reasoning))
    if result.text:
        events.append(TextDelta(text=result.text))
    if result.refusal:
        events.append(RefusalDelta(text=result.refusal))
    for call in result.tool_calls:
        events.append(
            ToolCallDelta(index=call.index, id=call.id, name=call.name, arguments=call.arguments)
        )
    if result.usage is not None:
        events.append(UsageReported(usage=result.usage))
    events.append(
        Finish(reason=result.finish_reason or "stop", raw_reason=result.raw_finish_reason)
    )
    return parser.replay(events)


class _StreamBase:
    """What both stream classes expose besides iteration."""

    def __init__(self, call: _Call) -> None:
        self._call = call

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api={self.api!r}, model={self._call.plan.model!r})"

    @property
    def api(self) -> Api:
        """The API actually used (``"chat"`` after an ``api="auto"`` fallback)."""
        return self._call.api

    @property
    def request_body(self) -> dict[str, Any]:
        """The JSON body sent (for the API in use)."""
        return self._call.body_for(self._call.api)

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        parser = self._call.parser
        if parser is None:
            return StreamResult(api=self.api)
        return parser.result

    @property
    def response(self) -> httpx.Response | None:
        """The current HTTP response, once open."""
        return self._call.response

    @property
    def attempts(self) -> int:
        """Re-sends made before the first event (retries and a route fallback)."""
        return self._call.plan.attempts + int(self._call.plan.fell_back)


# -- sync -------------------------------------------------------------------------------


class LemonDataClient(_ClientBase):
    """Synchronous LemonData client.

    Args:
        api_key: the API key; defaults to ``LEMONDATA_API_KEY``. Checked at call time.
        base_url: defaults to ``LEMONDATA_BASE_URL``, else ``https://api.lemondata.cc/v1``.
        timeout: seconds, or an ``httpx.Timeout``; ``connect`` bounds connecting and
            ``read`` is the idle timeout between chunks of a stream (stalls included).
        max_retries: re-sends before the first event for connection errors, timeouts,
            408, 409, 429, 5xx and errors the server marks ``retryable`` (see
            :mod:`lemon_adapters.core.retry`); also the budget of background resumes.
        max_retry_delay: cap on any single backoff or ``Retry-After`` wait, in seconds.
        deadline: default overall time limit of each call in seconds (``None``: none).
        default_headers: extra headers on every request.
        http_client: an ``httpx.Client`` to use (not closed by this client); its timeouts
            apply unless ``timeout`` is given.
        http2: use HTTP/2 (needs ``lemon-adapters[http2]``).
        routes: the ``api="auto"`` route cache (default: the process-wide ``ROUTES``).
    """

    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if http_client is not None and kwargs.get("timeout") is None:
            self.timeout = http_client.timeout  # an injected client's timeouts are the default
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client(timeout=self.timeout, http2=self.http2)

    @property
    def http_client(self) -> httpx.Client:
        """The underlying httpx client."""
        return self._client

    def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> LemonDataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: ApiChoice = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> ResponseStream:
        """Start a streamed response. Iterate it for events; ``.result`` accumulates.

        Per-call options besides the model parameters: ``extra_body``, ``extra_headers``,
        ``timeout``, ``deadline`` (seconds for the whole stream, retries included) and
        ``resume`` (with ``background=True``: re-attach to a dropped background response).
        """
        return ResponseStream(
            self,
            self._call(
                api=api,
                model=model,
                messages=messages,
                tools=tools,
                tool_choice=tool_choice,
                stream=True,
                params=params,
            ),
        )

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: ApiChoice = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> StreamResult:
        """A non-streaming call, returning the same result type as a stream."""
        call = self._call(
            api=api,
            model=model,
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            stream=False,
            params=params,
        )
        http = self._client
        while True:
            try:
                req = call.request()
                try:
                    response = http.request(
                        req.method, req.url, json=req.json, headers=req.headers, timeout=req.timeout
                    )
                except httpx.TransportError as exc:
                    raise call.transport_error(exc, reading=False) from exc
                return call.object_result(response)
            except LemonDataError as exc:
                delay = call.next_step(exc)
            time.sleep(delay)


class _Watchdog:
    """Shuts a sync stream's socket down at the deadline, waking a blocked read."""

    __slots__ = ("_sock", "_timer", "fired")

    def __init__(self, response: httpx.Response, remaining: float) -> None:
        self.fired = False
        stream = response.extensions.get("network_stream")
        self._sock: socket.socket | None = (
            stream.get_extra_info("socket") if stream is not None else None
        )
        self._timer = threading.Timer(remaining, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class ResponseStream(_StreamBase):
    """A streamed response: a context manager and an iterator of normalized events.

    The request is sent when iteration starts (or on ``with``). ``result`` is the
    accumulated :class:`StreamResult` at any point. Leaving the loop early and closing
    (or leaving the ``with`` block, or dropping the last reference) closes the HTTP
    response and its connection.
    """

    def __init__(self, client: LemonDataClient, call: _Call) -> None:
        super().__init__(call)
        self._client = client
        self._iter: Iterator[StreamEvent] | None = None

    def __enter__(self) -> ResponseStream:
        self._ensure_iter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[StreamEvent]:
        return self._ensure_iter()

    def __next__(self) -> StreamEvent:
        return next(self._ensure_iter())

    def until_done(self) -> StreamResult:
        """Consume the rest of the stream and return the result."""
        for _ in self:
            pass
        return self.result

    def close(self) -> None:
        """Stop reading and release the connection."""
        if self._iter is not None:
            self._iter.close()  # type: ignore[attr-defined]
        if self._call.response is not None:
            self._call.response.close()

    def _ensure_iter(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            # A plain function, not a method: the generator must not reference this object,
            # so dropping the stream finalizes the generator (closing the response) at once
            # instead of waiting for the cycle collector.
            self._iter = _sync_events(self._client._client, self._call)
        return self._iter


def _sync_events(http: httpx.Client, call: _Call) -> Iterator[StreamEvent]:
    while True:
        try:
            yield from _sync_attempt(http, call)
            return
        except LemonDataError as exc:
            delay = call.next_step(exc)
        if delay > 0:
            time.sleep(delay)


def _sync_attempt(http: httpx.Client, call: _Call) -> Iterator[StreamEvent]:
    req = call.request()
    response: httpx.Response | None = None
    watchdog: _Watchdog | None = None
    reading = False
    try:
        try:
            request = http.build_request(
                req.method,
                req.url,
                json=req.json,
                params=req.params,
                headers=req.headers,
                timeout=req.timeout,
            )
            response = call.response = http.send(request, stream=True)
            if not call.open(response):
                content = _read_some_sync(response, call.wants_whole_body(response))
                events = call.body(response, content)
            else:
                remaining = call.plan.remaining()
                if remaining is not None:
                    watchdog = _Watchdog(response, remaining)
                reading = True
                for chunk in response.iter_bytes():
                    events = call.feed(chunk)
                    if events:
                        yield from events
                        call.check()
                events = call.eof()
        except httpx.TransportError as exc:
            if not (reading and call.answered()):
                raise call.transport_error(
                    exc, reading=reading, deadline_hit=watchdog is not None and watchdog.fired
                ) from exc
            events = []
        yield from events
        if reading:
            call.check()
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if response is not None:
            response.close()


def _read_some_sync(response: httpx.Response, whole: bool) -> bytes:
    if whole:
        return response.read()
    parts: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= _SNIPPET:
            break
    return b"".join(parts)


# -- async ------------------------------------------------------------------------------


class AsyncLemonDataClient(_ClientBase):
    """Asynchronous LemonData client; same arguments as :class:`LemonDataClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if http_client is not None and kwargs.get("timeout") is None:
            self.timeout = http_client.timeout  # an injected client's timeouts are the default
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(timeout=self.timeout, http2=self.http2)

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The underlying httpx client."""
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncLemonDataClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: ApiChoice = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> AsyncResponseStream:
        """Start a streamed response: ``async with`` / ``async for`` it.

        Takes the same per-call options as :meth:`LemonDataClient.stream`.
        """
        return AsyncResponseStream(
            self,
            self._call(
                api=api,
                model=model,
                messages=messages,
                tools=tools,
                tool_choice=tool_choice,
                stream=True,
                params=params,
            ),
        )

    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: ApiChoice = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> StreamResult:
        """A non-streaming call, returning the same result type as a stream."""
        call = self._call(
            api=api,
            model=model,
            messages=messages,
            tools=tools,
            tool_choice=tool_choice,
            stream=False,
            params=params,
        )
        http = self._client
        while True:
            try:
                req = call.request()
                try:
                    with _limit(call):
                        response = await http.request(
                            req.method,
                            req.url,
                            json=req.json,
                            headers=req.headers,
                            timeout=req.timeout,
                        )
                except (httpx.TransportError, TimeoutError) as exc:
                    raise call.transport_error(exc, reading=False) from exc
                return call.object_result(response)
            except LemonDataError as exc:
                delay = call.next_step(exc)
            await anyio.sleep(delay)


def _limit(call: _Call) -> contextlib.AbstractContextManager[object]:
    """A scope that raises ``TimeoutError`` when the call's deadline passes."""
    remaining = call.plan.remaining()
    return contextlib.nullcontext() if remaining is None else anyio.fail_after(remaining)


class AsyncResponseStream(_StreamBase):
    """The async twin of :class:`ResponseStream`; use ``async with`` to close it promptly."""

    def __init__(self, client: AsyncLemonDataClient, call: _Call) -> None:
        super().__init__(call)
        self._client = client
        self._iter: AsyncIterator[StreamEvent] | None = None

    async def __aenter__(self) -> AsyncResponseStream:
        self._ensure_iter()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self._ensure_iter()

    async def __anext__(self) -> StreamEvent:
        return await self._ensure_iter().__anext__()

    async def until_done(self) -> StreamResult:
        """Consume the rest of the stream and return the result."""
        async for _ in self:
            pass
        return self.result

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        if self._iter is not None:
            await self._iter.aclose()  # type: ignore[attr-defined]
        if self._call.response is not None:
            await self._call.response.aclose()

    def _ensure_iter(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:
            # Not a method: see ResponseStream._ensure_iter.
            self._iter = _async_events(self._client._client, self._call)
        return self._iter


async def _async_events(http: httpx.AsyncClient, call: _Call) -> AsyncIterator[StreamEvent]:
    while True:
        # aclosing: an early aclose() of this stream must finalize the attempt now.
        try:
            async with contextlib.aclosing(_async_attempt(http, call)) as attempt:
                async for event in attempt:
                    yield event
            return
        except LemonDataError as exc:
            delay = call.next_step(exc)
        if delay > 0:
            await anyio.sleep(delay)


async def _async_attempt(http: httpx.AsyncClient, call: _Call) -> AsyncGenerator[StreamEvent, None]:
    req = call.request()
    response: httpx.Response | None = None
    reading = False
    try:
        try:
            request = http.build_request(
                req.method,
                req.url,
                json=req.json,
                params=req.params,
                headers=req.headers,
                timeout=req.timeout,
            )
            with _limit(call):
                response = call.response = await http.send(request, stream=True)
            if not call.open(response):
                with _limit(call):
                    content = await _read_some_async(response, call.wants_whole_body(response))
                events = call.body(response, content)
            else:
                reading = True
                async with contextlib.aclosing(_chunks(response, call)) as chunks:
                    async for chunk in chunks:
                        events = call.feed(chunk)
                        if events:
                            for event in events:
                                yield event
                            call.check()
                events = call.eof()
        except (httpx.TransportError, TimeoutError) as exc:
            if not (reading and call.answered()):
                raise call.transport_error(exc, reading=reading) from exc
            events = []
        for event in events:
            yield event
        if reading:
            call.check()
    finally:
        if response is not None:
            await response.aclose()


def _chunks(response: httpx.Response, call: _Call) -> AsyncGenerator[bytes, None]:
    """The body's chunks, each wait bounded by the time left before the deadline if any."""
    if call.plan.deadline_at is None:
        # httpx's own async generator: no extra layer on the hot path
        return cast("AsyncGenerator[bytes, None]", response.aiter_bytes())
    return _chunks_until(response, call)


async def _chunks_until(response: httpx.Response, call: _Call) -> AsyncGenerator[bytes, None]:
    it = response.aiter_bytes().__aiter__()
    try:
        while True:
            with anyio.fail_after(call.plan.remaining() or 0.0):
                try:
                    chunk = await it.__anext__()
                except StopAsyncIteration:
                    return
            yield chunk
    finally:
        await it.aclose()  # type: ignore[attr-defined]


async def _read_some_async(response: httpx.Response, whole: bool) -> bytes:
    if whole:
        return await response.aread()
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= _SNIPPET:
            break
    return b"".join(parts)
