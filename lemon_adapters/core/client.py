"""The only I/O in the package: httpx clients driving :class:`~.exchange.Exchange`.

Every decision (what to send, how to read it, what a failure means, whether to retry,
resume or fall back, how long to wait) is the exchange's; the sync and async drivers below
send, move bytes and sleep, and differ only in the ``await``s and in how the overall
``deadline`` interrupts a wait:

* async: every network wait runs under an ``anyio.fail_after`` scope sized to the time left;
* sync: the timeouts of each request are cut to the time left, and a timer shuts the socket
  down at the deadline, so a stall in the middle of a stream cannot outlive it.

Transport exceptions are translated in one place, :func:`_translated`. Connections: a
stream is read to the end of its body even after the terminal event, so keep-alive
connections go back to the pool; closing a stream early (``break`` then ``close()``,
leaving a ``with`` block, garbage collection, task cancellation) closes the response, and
httpx discards a connection whose body was not fully read.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import quote

import anyio
import httpx

from .accumulate import StreamResult
from .call import Call, check_call
from .catalog import ModelInfo, model_info, model_list
from .errors import LemonDataError
from .events import Api, StreamEvent
from .exchange import (
    SNIPPET,
    ClientConfig,
    Exchange,
    HTTPRequest,
    JSONExchange,
    Timeouts,
    TransportFailure,
)
from .request import request_of
from .retrieval import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_BATCH_CHARS,
    EmbeddingJob,
    EmbeddingResult,
    EncodingFormat,
    RerankJob,
    RerankResult,
)
from .retry import ROUTES, RetryPolicy, RouteMemory

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "AsyncLemonDataClient",
    "AsyncResponseStream",
    "LemonDataClient",
    "ResponseStream",
]

DEFAULT_BASE_URL = "https://api.lemondata.cc/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)


class _ClientBase:
    """Configuration shared by both clients (see :class:`LemonDataClient` for the args)."""

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
        injected_timeout: httpx.Timeout | None = None,
    ) -> None:
        self.timeout = _timeout(timeout) if timeout is not None else injected_timeout
        self.timeout = self.timeout or DEFAULT_TIMEOUT
        self.http2 = http2
        self.config = ClientConfig(
            api_key=api_key if api_key is not None else os.environ.get("LEMONDATA_API_KEY"),
            base_url=(base_url or os.environ.get("LEMONDATA_BASE_URL") or DEFAULT_BASE_URL).rstrip(
                "/"
            ),
            timeouts=_timeouts(self.timeout),
            retry=RetryPolicy(
                max_retries, max_delay=max_retry_delay, initial_delay=min(0.5, max_retry_delay)
            ),
            deadline=deadline,
            default_headers=dict(default_headers or {}),
            routes=ROUTES if routes is None else routes,
        )

    @property
    def base_url(self) -> str:
        """The gateway's ``/v1`` URL."""
        return self.config.base_url

    @property
    def max_retries(self) -> int:
        """How many times a failed request is re-sent before the first event."""
        return self.config.retry.max_retries

    def __repr__(self) -> str:
        key = "set" if self.config.api_key else "missing"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key=<{key}>)"

    def _exchange(self, method: str, call: Mapping[str, Any], *, stream: bool) -> Exchange:
        check_call(method, call)
        typed = cast("Call", call)
        timeout = typed.get("timeout")
        return Exchange(
            self.config,
            request_of(typed),
            mode=typed.get("api", "auto"),
            stream=stream,
            timeouts=None if timeout is None else _timeouts(_timeout(timeout)),
            deadline=typed.get("deadline"),
            resume=bool(typed.get("resume")),
            extra_headers=typed.get("extra_headers"),
        )


def _models_path(model_id: str | None) -> str:
    return "/models" if model_id is None else "/models/" + quote(model_id, safe="")


def _filters(**filters: str | None) -> dict[str, str] | None:
    return {k: v for k, v in filters.items() if v is not None} or None


def _timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    return httpx.Timeout(value, connect=min(float(value), 10.0))


def _timeouts(value: httpx.Timeout) -> Timeouts:
    return Timeouts(value.connect, value.read, value.write, value.pool)


def _send_args(req: HTTPRequest) -> dict[str, Any]:
    t = req.timeouts
    return {
        "json": req.json,
        "params": req.params,
        "headers": req.headers,
        "timeout": httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
    }


class _Translator(Protocol):
    def transport_error(self, kind: TransportFailure, detail: str) -> LemonDataError | None: ...


@contextlib.contextmanager
def _translated(ex: _Translator) -> Iterator[None]:
    """The one place transport exceptions become lemon_adapters errors (httpx's
    ``map_httpcore_exceptions`` pattern); a failure after the answer was whole is dropped."""
    try:
        yield
    except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
        err = ex.transport_error(_kind(exc), f"{type(exc).__name__}: {exc}".rstrip(": "))
        if err is not None:
            raise err from exc


def _kind(exc: Exception) -> TransportFailure:
    if isinstance(exc, TimeoutError):  # a deadline scope (anyio.fail_after) ran out
        return "deadline"
    if isinstance(exc, httpx.TimeoutException):
        return _TIMEOUT_KINDS.get(type(exc), "read_timeout")
    if isinstance(exc, httpx.DecodingError):
        return "decoding"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "dropped"
    return "connection"


_TIMEOUT_KINDS: dict[type[Exception], TransportFailure] = {
    httpx.ConnectTimeout: "connect_timeout",
    httpx.ReadTimeout: "read_timeout",
    httpx.WriteTimeout: "write_timeout",
    httpx.PoolTimeout: "pool_timeout",
}


class _Current:
    """The response of the current attempt, for :attr:`ResponseStream.response` (a holder,
    so the driving generator never references the stream object itself)."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: httpx.Response | None = None


class _StreamBase:
    """What both stream classes expose besides iteration."""

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange
        self._current = _Current()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api={self.api!r}, model={self._exchange.request_.model!r})"

    @property
    def api(self) -> Api:
        """The API actually used (``"chat"`` after an ``api="auto"`` fallback)."""
        return self._exchange.api

    @property
    def request_body(self) -> dict[str, Any]:
        """The JSON body sent (for the API in use)."""
        return self._exchange.body_for(self._exchange.api)

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        return self._exchange.result

    @property
    def response(self) -> httpx.Response | None:
        """The current HTTP response, once open."""
        return self._current.response

    @property
    def attempts(self) -> int:
        """Re-sends made before the first event (retries and a route fallback)."""
        return self._exchange.attempts + int(self._exchange.fell_back)


# -- sync -----------------------------------------------------------------------------------


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
        super().__init__(injected_timeout=http_client.timeout if http_client else None, **kwargs)
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

    def stream(self, **call: Unpack[Call]) -> ResponseStream:
        """Start a streamed response; iterate it for events, ``.result`` accumulates.

        Takes the keyword arguments of :class:`~lemon_adapters.core.request.Call`: ``model``
        and ``messages``, then ``api``, ``tools``, ``tool_choice``, the named model
        parameters, and ``timeout``, ``deadline``, ``resume``, ``extra_headers``,
        ``extra_body``. Any other keyword is a ``TypeError``.
        """
        return ResponseStream(self, self._exchange("stream", call, stream=True))

    def create(self, **call: Unpack[Call]) -> StreamResult:
        """A non-streaming call (same arguments), returning the same result type."""
        ex = self._exchange("create", call, stream=False)
        for _ in _sync_events(self._client, ex, _Current()):
            pass
        return ex.result

    def models(
        self,
        *,
        category: str | None = None,
        provider: str | None = None,
        tag: str | None = None,
        recommended_for: str | None = None,
    ) -> list[ModelInfo]:
        """The models LemonData serves (``GET /v1/models``), filtered as the API filters.

        Args:
            category: ``chat``, ``embedding``, ``rerank``, ``image``...
            provider: ``openai``, ``anthropic``, ``google``, ``deepseek``...
            tag: a model tag such as ``chat`` or ``embedding``.
            recommended_for: a non-chat scene; adds ``agent_preferences``.
        """
        params = _filters(
            category=category, provider=provider, tag=tag, recommended_for=recommended_for
        )
        ex = JSONExchange(self.config, "GET", _models_path(None), params=params)
        return model_list(_sync_json(self._client, ex))

    def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(_sync_json(self._client, ex))

    def embed(
        self,
        texts: str | Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        encoding_format: EncodingFormat = "base64",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_chars: int = DEFAULT_MAX_BATCH_CHARS,
        user: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> EmbeddingResult:
        """Embed ``texts`` (``POST /v1/embeddings``), in batches, vectors in input order.

        Args:
            texts: one text or a list of texts (an empty list sends nothing).
            model: the embedding model, e.g. ``text-embedding-3-small``.
            dimensions: ask for shorter vectors (models that support it).
            encoding_format: ``"base64"`` (default: a quarter of the bytes) or ``"float"``;
                either way the result holds Python floats.
            batch_size: inputs per request.
            max_batch_chars: characters per request (see :mod:`~.retrieval` for the
                defaults).
            user: an end-user identifier, for LemonData's abuse monitoring.
            extra_body: body fields merged into every request.
            timeout: this call's timeout (as the client's ``timeout``).
            deadline: seconds for the whole call, every batch and retry included.
        """
        job = EmbeddingJob(
            self.config,
            texts,
            model=model,
            dimensions=dimensions,
            encoding_format=encoding_format,
            batch_size=batch_size,
            max_batch_chars=max_batch_chars,
            user=user,
            extra_body=extra_body,
            timeouts=None if timeout is None else _timeouts(_timeout(timeout)),
            deadline=deadline,
        )
        while (ex := job.next()) is not None:
            job.add(_sync_json(self._client, ex))
        return job.result()

    def rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        model: str,
        top_n: int | None = None,
        return_documents: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> RerankResult:
        """Rank ``documents`` by relevance to ``query`` (``POST /v1/rerank``).

        Args:
            query: up to 32,000 characters.
            documents: up to 1,000 texts of up to 100,000 characters, 2,000,000 in all
                (checked before sending; an empty list sends nothing).
            model: the reranker, e.g. ``BAAI/bge-reranker-v2-m3`` or ``qwen3-rerank``.
            top_n: keep this many hits, 1 to ``len(documents)`` (default: all).
            return_documents: have the server send each document's text back.
            extra_body: body fields merged last.
            timeout, deadline: as for :meth:`embed`.
        """
        job = RerankJob(
            self.config,
            query,
            documents,
            model=model,
            top_n=top_n,
            return_documents=return_documents,
            extra_body=extra_body,
            timeouts=None if timeout is None else _timeouts(_timeout(timeout)),
            deadline=deadline,
        )
        while (ex := job.next()) is not None:
            job.add(_sync_json(self._client, ex))
        return job.result()


class ResponseStream(_StreamBase):
    """A streamed response: a context manager and an iterator of normalized events.

    The request is sent when iteration starts (or on ``with``). ``result`` is the
    accumulated :class:`StreamResult` at any point. Leaving the loop early and closing
    (or leaving the ``with`` block, or dropping the last reference) closes the HTTP
    response and its connection.
    """

    def __init__(self, client: LemonDataClient, exchange: Exchange) -> None:
        super().__init__(exchange)
        self._client = client
        self._iter: Iterator[StreamEvent] | None = None

    def __enter__(self) -> ResponseStream:
        self._ensure_iter()
        return self

    def __exit__(self, *exc: object) -> None:
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
        if self._current.response is not None:
            self._current.response.close()

    def _ensure_iter(self) -> Iterator[StreamEvent]:
        if self._iter is None:
            # A plain function, not a method: the generator must not reference this object,
            # so dropping the stream finalizes the generator (closing the response) at once
            # instead of waiting for the cycle collector.
            self._iter = _sync_events(self._client._client, self._exchange, self._current)
        return self._iter


def _sync_events(http: httpx.Client, ex: Exchange, current: _Current) -> Iterator[StreamEvent]:
    while True:
        try:
            yield from _sync_attempt(http, ex, current)
            return
        except LemonDataError as exc:
            delay = ex.retry_delay(exc)
        if delay > 0:
            time.sleep(delay)


def _sync_attempt(http: httpx.Client, ex: Exchange, current: _Current) -> Iterator[StreamEvent]:
    req = ex.request()
    with (
        _translated(ex),
        http.stream(req.method, req.url, **_send_args(req)) as response,
        _Watchdog(ex, response),
    ):
        current.response = response
        mode = ex.open(response.status_code, response.headers)
        if mode == "stream":
            for chunk in _body(response):
                yield from ex.feed(chunk)
                ex.check()
            yield from ex.end()
        else:
            yield from ex.body(_read_sync(response, whole=mode == "whole"))
        ex.check()


def _body(response: httpx.Response) -> Iterable[bytes]:
    """The body's bytes as they arrive. Without a content coding they come straight from
    the transport: ``iter_bytes`` would pass each chunk through two generators, two
    chunkers and an identity decoder, about 1 us per chunk, i.e. per token (a fifth of what
    the parser costs). With one (gzip, br, zstd...) httpx decodes as usual."""
    if not _identity(response):
        return response.iter_bytes()
    response.is_stream_consumed = True  # a second read raises StreamConsumed, as httpx's
    return cast(httpx.SyncByteStream, response.stream)


def _identity(response: httpx.Response) -> bool:
    coding = response.headers.get("content-encoding")
    return coding is None or coding.strip().lower() in ("", "identity")


def _sync_json(http: httpx.Client, ex: JSONExchange) -> Any:
    while True:
        req = ex.request()
        try:
            with _translated(ex):
                response = http.request(req.method, req.url, **_send_args(req))
            return ex.answer(response.status_code, response.headers, response.content)
        except LemonDataError as exc:
            delay = ex.retry_delay(exc)
        time.sleep(delay)


def _read_sync(response: httpx.Response, *, whole: bool) -> bytes:
    if whole:
        return response.read()
    head = b""
    for chunk in response.iter_bytes():
        head += chunk
        if len(head) >= SNIPPET:
            break
    return head


class _Watchdog:
    """Shuts a sync stream's socket down at the deadline, waking a blocked read (the
    exchange then reports the deadline, whatever exception the read ends with)."""

    __slots__ = ("_sock", "_timer")

    def __init__(self, ex: Exchange, response: httpx.Response) -> None:
        self._timer: threading.Timer | None = None
        remaining = ex.deadline.remaining()
        if remaining is None:
            return
        stream = response.extensions.get("network_stream")
        self._sock: socket.socket | None = (
            stream.get_extra_info("socket") if stream is not None else None
        )
        self._timer = threading.Timer(remaining, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


# -- async ----------------------------------------------------------------------------------


class AsyncLemonDataClient(_ClientBase):
    """Asynchronous LemonData client; same arguments as :class:`LemonDataClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(injected_timeout=http_client.timeout if http_client else None, **kwargs)
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

    def stream(self, **call: Unpack[Call]) -> AsyncResponseStream:
        """Start a streamed response: ``async with`` / ``async for`` it (arguments as
        :meth:`LemonDataClient.stream`)."""
        return AsyncResponseStream(self, self._exchange("stream", call, stream=True))

    async def create(self, **call: Unpack[Call]) -> StreamResult:
        """A non-streaming call (same arguments), returning the same result type."""
        ex = self._exchange("create", call, stream=False)
        async for _ in _async_events(self._client, ex, _Current()):
            pass
        return ex.result

    async def models(
        self,
        *,
        category: str | None = None,
        provider: str | None = None,
        tag: str | None = None,
        recommended_for: str | None = None,
    ) -> list[ModelInfo]:
        """The models LemonData serves (arguments as :meth:`LemonDataClient.models`)."""
        params = _filters(
            category=category, provider=provider, tag=tag, recommended_for=recommended_for
        )
        ex = JSONExchange(self.config, "GET", _models_path(None), params=params)
        return model_list(await _async_json(self._client, ex))

    async def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(await _async_json(self._client, ex))

    async def embed(
        self,
        texts: str | Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        encoding_format: EncodingFormat = "base64",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_chars: int = DEFAULT_MAX_BATCH_CHARS,
        user: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> EmbeddingResult:
        """Embed ``texts`` (arguments as :meth:`LemonDataClient.embed`)."""
        job = EmbeddingJob(
            self.config,
            texts,
            model=model,
            dimensions=dimensions,
            encoding_format=encoding_format,
            batch_size=batch_size,
            max_batch_chars=max_batch_chars,
            user=user,
            extra_body=extra_body,
            timeouts=None if timeout is None else _timeouts(_timeout(timeout)),
            deadline=deadline,
        )
        while (ex := job.next()) is not None:
            job.add(await _async_json(self._client, ex))
        return job.result()

    async def rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        model: str,
        top_n: int | None = None,
        return_documents: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> RerankResult:
        """Rank ``documents`` by relevance (arguments as :meth:`LemonDataClient.rerank`)."""
        job = RerankJob(
            self.config,
            query,
            documents,
            model=model,
            top_n=top_n,
            return_documents=return_documents,
            extra_body=extra_body,
            timeouts=None if timeout is None else _timeouts(_timeout(timeout)),
            deadline=deadline,
        )
        while (ex := job.next()) is not None:
            job.add(await _async_json(self._client, ex))
        return job.result()


class AsyncResponseStream(_StreamBase):
    """The async twin of :class:`ResponseStream`; use ``async with`` to close it promptly."""

    def __init__(self, client: AsyncLemonDataClient, exchange: Exchange) -> None:
        super().__init__(exchange)
        self._client = client
        self._iter: AsyncIterator[StreamEvent] | None = None

    async def __aenter__(self) -> AsyncResponseStream:
        self._ensure_iter()
        return self

    async def __aexit__(self, *exc: object) -> None:
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
        if self._current.response is not None:
            await self._current.response.aclose()

    def _ensure_iter(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:
            # Not a method: see ResponseStream._ensure_iter.
            self._iter = _async_events(self._client._client, self._exchange, self._current)
        return self._iter


async def _async_events(
    http: httpx.AsyncClient, ex: Exchange, current: _Current
) -> AsyncIterator[StreamEvent]:
    while True:
        try:
            # aclosing: an early aclose() of this stream must finalize the attempt now.
            async with contextlib.aclosing(_async_attempt(http, ex, current)) as attempt:
                async for event in attempt:
                    yield event
            return
        except LemonDataError as exc:
            delay = ex.retry_delay(exc)
        if delay > 0:
            await anyio.sleep(delay)


async def _async_attempt(
    http: httpx.AsyncClient, ex: Exchange, current: _Current
) -> AsyncGenerator[StreamEvent, None]:
    req = ex.request()
    with _translated(ex):
        with _limit(ex.deadline.remaining()):
            response = await http.send(
                http.build_request(req.method, req.url, **_send_args(req)), stream=True
            )
        current.response = response
        try:
            mode = ex.open(response.status_code, response.headers)
            if mode == "stream":
                async for chunk in _chunks(response, ex):
                    for event in ex.feed(chunk):
                        yield event
                    ex.check()
                events = ex.end()
            else:
                with _limit(ex.deadline.remaining()):
                    events = ex.body(await _read_async(response, whole=mode == "whole"))
            for event in events:
                yield event
            ex.check()
        finally:
            await response.aclose()


def _limit(remaining: float | None) -> contextlib.AbstractContextManager[object]:
    """A scope that raises ``TimeoutError`` when the call's deadline passes."""
    return contextlib.nullcontext() if remaining is None else anyio.fail_after(remaining)


def _chunks(response: httpx.Response, ex: Exchange) -> AsyncIterator[bytes]:
    """The body's chunks, each wait bounded by the time left before the deadline, if any."""
    if ex.deadline.at is None:
        return _abody(response)
    return _chunks_until(response, ex)


def _abody(response: httpx.Response) -> AsyncIterator[bytes]:
    """:func:`_body` for the async client."""
    if not _identity(response):
        return response.aiter_bytes()
    response.is_stream_consumed = True
    return aiter(cast(httpx.AsyncByteStream, response.stream))


async def _chunks_until(response: httpx.Response, ex: Exchange) -> AsyncIterator[bytes]:
    chunks = _abody(response)
    try:
        while True:
            with _limit(ex.deadline.remaining()):
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
            yield chunk
    finally:
        aclose = getattr(chunks, "aclose", None)  # a generator's; any custom stream's own
        if aclose is not None:
            await aclose()


async def _async_json(http: httpx.AsyncClient, ex: JSONExchange) -> Any:
    while True:
        req = ex.request()
        try:
            with _translated(ex), _limit(ex.deadline.remaining()):
                response = await http.request(req.method, req.url, **_send_args(req))
            return ex.answer(response.status_code, response.headers, response.content)
        except LemonDataError as exc:
            delay = ex.retry_delay(exc)
        await anyio.sleep(delay)


async def _read_async(response: httpx.Response, *, whole: bool) -> bytes:
    if whole:
        return await response.aread()
    head = b""
    async for chunk in response.aiter_bytes():
        head += chunk
        if len(head) >= SNIPPET:
            break
    return head
