"""The only I/O in the package: httpx clients, retries and timeouts around the pure parser.

Everything that decides (which URL, which body, whether to retry and how long to wait, how
an HTTP error maps to an exception) is shared in :class:`_ClientBase` and plain functions;
the sync and async classes differ only in the few lines that send requests and move bytes.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any, Literal

import httpx

from .. import __version__
from .accumulate import StreamResult
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
    StreamDisconnectedError,
    redact,
    status_error_class,
)
from .events import StreamEvent
from .parser import StreamParser, events_from_object, malformed_body
from .request import Message, Tool, build_body

Api = Literal["responses", "chat"]
DEFAULT_BASE_URL = "https://api.lemondata.cc/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
_PATHS = {"responses": "/responses", "chat": "/chat/completions"}


class RetryPolicy:
    """Exponential backoff with full jitter, honouring the server's ``Retry-After``.

    Attributes:
        max_retries: how many times a request may be re-sent.
        initial_delay: the first backoff ceiling in seconds (doubled per attempt).
        max_delay: the longest single wait, also capping ``Retry-After``.
    """

    __slots__ = ("initial_delay", "max_delay", "max_retries")

    def __init__(self, max_retries: int = 2, *, initial_delay: float = 0.5,
                 max_delay: float = 30.0) -> None:
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, not {max_retries}")
        self.max_retries = max_retries
        self.initial_delay = initial_delay
        self.max_delay = max_delay

    def delay(self, attempt: int, error: LemonDataError) -> float | None:
        """Seconds to wait before re-sending after ``error``, or ``None`` to give up."""
        if attempt >= self.max_retries or not error.retryable:
            return None
        if error.retry_after is not None and error.retry_after >= 0:
            return min(float(error.retry_after), self.max_delay)
        ceiling = min(self.initial_delay * (2**attempt), self.max_delay)
        return random.uniform(ceiling / 2, ceiling)


def _retry_after(headers: httpx.Headers) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def request_id_of(headers: httpx.Headers) -> str | None:
    """The gateway's request id, for support tickets."""
    return headers.get("x-request-id") or headers.get("request-id") or headers.get("x-trace-id")


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
        text = content[:300].decode("utf-8", "replace").strip()
        message = f"HTTP {status}" + (f": {text}" if text else "")
    code = error.get("code")
    param = error.get("param")
    retry_after = error.get("retry_after")
    header_retry = _retry_after(headers)
    if header_retry is not None:
        retry_after = header_retry
    retryable = error.get("retryable")
    if retryable is None:
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
        retryable=bool(retryable),
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
        request_id=request_id_of(headers),
        body=body if body is not None else content[:2000].decode("utf-8", "replace"),
    )


@contextmanager
def translate_transport_errors(parser: StreamParser | None = None) -> Iterator[None]:
    """The one place httpx exceptions become lemon_adapters exceptions."""
    try:
        yield
    except httpx.TimeoutException as exc:
        err: LemonDataError = APITimeoutError(f"{type(exc).__name__}: the server went quiet "
                                              "for longer than the timeout allows")
        raise (parser.fail_with(err) if parser else err) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        if parser is None:
            raise APIConnectionError(f"connection failed: {redact(str(exc))}") from exc
        err = StreamDisconnectedError(f"the connection dropped mid-stream: {redact(str(exc))}")
        raise parser.fail_with(err) from exc
    except httpx.TransportError as exc:
        err = APIConnectionError(f"{type(exc).__name__}: {redact(str(exc))}")
        raise (parser.fail_with(err) if parser else err) from exc


class _ClientBase:
    """Configuration and request preparation shared by both clients."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        max_retry_delay: float = 30.0,
        default_headers: Mapping[str, str] | None = None,
        http2: bool = False,
    ) -> None:
        self._api_key = api_key if api_key is not None else os.environ.get("LEMONDATA_API_KEY")
        self.base_url = (
            base_url or os.environ.get("LEMONDATA_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        if timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            self.timeout = timeout
        else:
            self.timeout = httpx.Timeout(timeout, connect=min(float(timeout), 10.0))
        self.retry = RetryPolicy(max_retries, max_delay=max_retry_delay)
        self.default_headers = dict(default_headers or {})
        self.http2 = http2

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
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if stream else "application/json",
            "User-Agent": f"lemon-adapters/{__version__}",
        }
        headers.update(self.default_headers)
        return headers

    def _prepare(
        self,
        api: Api,
        model: str,
        messages: Sequence[Message],
        tools: Sequence[Tool] | None,
        tool_choice: Any,
        stream: bool,
        params: dict[str, Any],
    ) -> tuple[str, dict[str, Any], dict[str, str], httpx.Timeout]:
        if api not in _PATHS:
            raise ConfigurationError(f"api must be 'responses' or 'chat', not {api!r}")
        extra_headers = params.pop("extra_headers", None) or {}
        extra_body = params.pop("extra_body", None) or {}
        timeout = params.pop("timeout", None)
        body = build_body(api, model=model, messages=messages, tools=tools,
                          tool_choice=tool_choice, stream=stream, params=params)
        body.update(extra_body)
        headers = self._headers(stream)
        headers.update(extra_headers)
        if timeout is None:
            to = self.timeout
        elif isinstance(timeout, httpx.Timeout):
            to = timeout
        else:
            to = httpx.Timeout(timeout)
        return self.base_url + _PATHS[api], body, headers, to

    def _new_parser(self, api: Api, response: httpx.Response) -> StreamParser:
        return StreamParser(
            api,
            request_id=request_id_of(response.headers),
            cache_status=response.headers.get("x-cache-status"),
        )


def _is_event_stream(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return not content_type or "event-stream" in content_type


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
    parser._acc.set_transport(cache_status=response.headers.get("x-cache-status"),
                              request_id=request_id_of(response.headers))
    if parser.failure is not None:
        raise parser.failure
    return parser.result


# -- sync -------------------------------------------------------------------------------


class LemonDataClient(_ClientBase):
    """Synchronous LemonData client.

    Args:
        api_key: the API key; defaults to ``LEMONDATA_API_KEY``. Checked at call time.
        base_url: defaults to ``LEMONDATA_BASE_URL``, else ``https://api.lemondata.cc/v1``.
        timeout: seconds, or an ``httpx.Timeout``; ``read`` is the idle timeout between
            chunks of a stream.
        max_retries: re-sends before the first event for connection errors, 408, 409, 429,
            5xx and errors the server marks ``retryable``.
        max_retry_delay: cap on any single backoff or ``Retry-After`` wait, in seconds.
        default_headers: extra headers on every request.
        http_client: an ``httpx.Client`` to use (not closed by this client).
        http2: use HTTP/2 (needs ``lemon-adapters[http2]``).
    """

    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
        api: Api = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> ResponseStream:
        """Start a streamed response. Iterate it for events; ``.result`` accumulates."""
        url, body, headers, timeout = self._prepare(api, model, messages, tools, tool_choice,
                                                    True, params)
        return ResponseStream(self, api, url, body, headers, timeout)

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: Api = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> StreamResult:
        """A non-streaming call, returning the same result type as a stream."""
        url, body, headers, timeout = self._prepare(api, model, messages, tools, tool_choice,
                                                    False, params)
        attempt = 0
        while True:
            try:
                with translate_transport_errors():
                    response = self._client.post(url, json=body, headers=headers, timeout=timeout)
                if response.status_code >= 400:
                    raise status_error(response.status_code, response.headers, response.content)
                return _json_result(api, response, response.content)
            except LemonDataError as exc:
                delay = self.retry.delay(attempt, exc)
                if delay is None:
                    raise
            attempt += 1
            time.sleep(delay)

    def _open(self, url: str, body: dict[str, Any], headers: dict[str, str],
              timeout: httpx.Timeout) -> httpx.Response:
        """Send the request, retrying until a streaming 2xx response is open."""
        attempt = 0
        while True:
            try:
                request = self._client.build_request("POST", url, json=body, headers=headers,
                                                     timeout=timeout)
                with translate_transport_errors():
                    response = self._client.send(request, stream=True)
                if response.status_code < 400:
                    return response
                with translate_transport_errors():
                    content = response.read()
                response.close()
                raise status_error(response.status_code, response.headers, content)
            except LemonDataError as exc:
                delay = self.retry.delay(attempt, exc)
                if delay is None:
                    raise
            attempt += 1
            time.sleep(delay)


class ResponseStream:
    """A streamed response: a context manager and an iterator of normalized events.

    The request is sent when iteration starts (or on ``with``). ``result`` is the
    accumulated :class:`StreamResult` at any point. Leaving the loop early and closing
    (or leaving the ``with`` block) closes the HTTP response.
    """

    def __init__(self, client: LemonDataClient, api: Api, url: str, body: dict[str, Any],
                 headers: dict[str, str], timeout: httpx.Timeout) -> None:
        self._client = client
        self.api: Api = api
        self.request_body = body
        self._url = url
        self._headers = headers
        self._timeout = timeout
        self._response: httpx.Response | None = None
        self._parser: StreamParser | None = None
        self._iter: Iterator[StreamEvent] | None = None

    def __repr__(self) -> str:
        return f"ResponseStream(api={self.api!r}, model={self.request_body.get('model')!r})"

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        if self._parser is None:
            return StreamResult(api=self.api)
        return self._parser.result

    @property
    def response(self) -> httpx.Response | None:
        """The HTTP response, once open."""
        return self._response

    def __enter__(self) -> ResponseStream:
        self._ensure_iter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
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
        if self._response is not None:
            self._response.close()

    def _ensure_iter(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._events()
        return self._iter

    def _events(self) -> Iterator[StreamEvent]:
        response = self._client._open(self._url, self.request_body, self._headers,
                                      self._timeout)
        self._response = response
        try:
            if not _is_event_stream(response):
                with translate_transport_errors():
                    content = response.read()
                self._parser = self._client._new_parser(self.api, response)
                if "json" in response.headers.get("content-type", ""):
                    result = _json_result(self.api, response, content)
                    yield from _replay(self._parser, result)
                    return
                raise malformed_body(response.headers.get("content-type", ""), content)
            parser = self._parser = self._client._new_parser(self.api, response)
            with translate_transport_errors(parser):
                for chunk in response.iter_bytes():
                    events = parser.feed(chunk)
                    if events:
                        yield from events
                    if parser.failure is not None:
                        raise parser.failure
                events = parser.close()
            yield from events
            if parser.failure is not None:
                raise parser.failure
        finally:
            response.close()


def _replay(parser: StreamParser, result: StreamResult) -> Iterator[StreamEvent]:
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
        events.append(ToolCallDelta(index=call.index, id=call.id, name=call.name,
                                    arguments=call.arguments))
    if result.usage is not None:
        events.append(UsageReported(usage=result.usage))
    events.append(Finish(reason=result.finish_reason or "stop",
                         raw_reason=result.raw_finish_reason))
    for event in events:
        parser._acc.add(event)
    yield from events


# -- async ------------------------------------------------------------------------------


class AsyncLemonDataClient(_ClientBase):
    """Asynchronous LemonData client; same arguments as :class:`LemonDataClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
        api: Api = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> AsyncResponseStream:
        """Start a streamed response: ``async with`` / ``async for`` it."""
        url, body, headers, timeout = self._prepare(api, model, messages, tools, tool_choice,
                                                    True, params)
        return AsyncResponseStream(self, api, url, body, headers, timeout)

    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        api: Api = "responses",
        tools: Sequence[Tool] | None = None,
        tool_choice: Any = None,
        **params: Any,
    ) -> StreamResult:
        """A non-streaming call, returning the same result type as a stream."""
        import asyncio

        url, body, headers, timeout = self._prepare(api, model, messages, tools, tool_choice,
                                                    False, params)
        attempt = 0
        while True:
            try:
                with translate_transport_errors():
                    response = await self._client.post(url, json=body, headers=headers,
                                                       timeout=timeout)
                if response.status_code >= 400:
                    raise status_error(response.status_code, response.headers, response.content)
                return _json_result(api, response, response.content)
            except LemonDataError as exc:
                delay = self.retry.delay(attempt, exc)
                if delay is None:
                    raise
            attempt += 1
            await asyncio.sleep(delay)

    async def _open(self, url: str, body: dict[str, Any], headers: dict[str, str],
                    timeout: httpx.Timeout) -> httpx.Response:
        import asyncio

        attempt = 0
        while True:
            try:
                request = self._client.build_request("POST", url, json=body, headers=headers,
                                                     timeout=timeout)
                with translate_transport_errors():
                    response = await self._client.send(request, stream=True)
                if response.status_code < 400:
                    return response
                with translate_transport_errors():
                    content = await response.aread()
                await response.aclose()
                raise status_error(response.status_code, response.headers, content)
            except LemonDataError as exc:
                delay = self.retry.delay(attempt, exc)
                if delay is None:
                    raise
            attempt += 1
            await asyncio.sleep(delay)


class AsyncResponseStream:
    """The async twin of :class:`ResponseStream`."""

    def __init__(self, client: AsyncLemonDataClient, api: Api, url: str,
                 body: dict[str, Any], headers: dict[str, str], timeout: httpx.Timeout) -> None:
        self._client = client
        self.api: Api = api
        self.request_body = body
        self._url = url
        self._headers = headers
        self._timeout = timeout
        self._response: httpx.Response | None = None
        self._parser: StreamParser | None = None
        self._iter: AsyncIterator[StreamEvent] | None = None

    def __repr__(self) -> str:
        return f"AsyncResponseStream(api={self.api!r}, model={self.request_body.get('model')!r})"

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        if self._parser is None:
            return StreamResult(api=self.api)
        return self._parser.result

    @property
    def response(self) -> httpx.Response | None:
        """The HTTP response, once open."""
        return self._response

    async def __aenter__(self) -> AsyncResponseStream:
        self._ensure_iter()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
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
        if self._response is not None:
            await self._response.aclose()

    def _ensure_iter(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:
            self._iter = self._events()
        return self._iter

    async def _events(self) -> AsyncIterator[StreamEvent]:
        response = await self._client._open(self._url, self.request_body, self._headers,
                                            self._timeout)
        self._response = response
        try:
            if not _is_event_stream(response):
                with translate_transport_errors():
                    content = await response.aread()
                self._parser = self._client._new_parser(self.api, response)
                if "json" in response.headers.get("content-type", ""):
                    result = _json_result(self.api, response, content)
                    for event in _replay(self._parser, result):
                        yield event
                    return
                raise malformed_body(response.headers.get("content-type", ""), content)
            parser = self._parser = self._client._new_parser(self.api, response)
            with translate_transport_errors(parser):
                async for chunk in response.aiter_bytes():
                    for event in parser.feed(chunk):
                        yield event
                    if parser.failure is not None:
                        raise parser.failure
                events = parser.close()
            for event in events:
                yield event
            if parser.failure is not None:
                raise parser.failure
        finally:
            await response.aclose()
