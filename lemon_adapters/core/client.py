"""The two public clients, :class:`LemonDataClient` and :class:`AsyncLemonDataClient`, and
their streams: configuration and the public methods. Each call becomes an
:class:`~.exchange.Exchange` (or a :class:`~.json_exchange.JSONExchange`) that
:mod:`.drivers` runs over httpx; together with the drivers, this is the only I/O in the
package.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import httpx

from lemon_adapters.core.endpoints.models import ModelInfo, model_info, model_list
from lemon_adapters.core.endpoints.pricing import ModelPrice, price_list
from lemon_adapters.core.endpoints.retrieval import (
    EMBED_KEYS,
    RERANK_KEYS,
    EmbeddingJob,
    EmbeddingResult,
    EmbedOptions,
    RerankJob,
    RerankOptions,
    RerankResult,
)
from lemon_adapters.core.http.config import ClientConfig, Timeouts
from lemon_adapters.core.http.drivers import (
    Current,
    async_events,
    async_json,
    sync_events,
    sync_json,
)
from lemon_adapters.core.http.exchange import Exchange
from lemon_adapters.core.http.json_exchange import JSONExchange
from lemon_adapters.core.http.retry import ROUTES, RetryPolicy, RouteMemory
from lemon_adapters.core.request.build import request_of
from lemon_adapters.core.request.call import Call, check_call, check_keywords
from lemon_adapters.core.wire.accumulate import StreamResult

from .events import Api, StreamEvent

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

    def _embedding_job(self, texts: str | Sequence[str], options: EmbedOptions) -> EmbeddingJob:
        check_keywords("embed", options, EMBED_KEYS, ("model",), extra_body=True)
        args: dict[str, Any] = dict(options)
        timeout = args.pop("timeout", None)
        timeouts = None if timeout is None else _timeouts(_timeout(timeout))
        return EmbeddingJob(self.config, texts, timeouts=timeouts, **args)

    def _rerank_job(
        self, query: str, documents: Sequence[str], options: RerankOptions
    ) -> RerankJob:
        check_keywords("rerank", options, RERANK_KEYS, ("model",), extra_body=True)
        args: dict[str, Any] = dict(options)
        timeout = args.pop("timeout", None)
        timeouts = None if timeout is None else _timeouts(_timeout(timeout))
        return RerankJob(self.config, query, documents, timeouts=timeouts, **args)


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


class _StreamBase:
    """What both stream classes expose besides iteration."""

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange
        self._current = Current()

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
            :mod:`lemon_adapters.core.http.retry`); also the budget of background resumes.
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

        Takes the keyword arguments of :class:`~lemon_adapters.core.request.build.Call`: ``model``
        and ``messages``, then ``api``, ``tools``, ``tool_choice``, the named model
        parameters, and ``timeout``, ``deadline``, ``resume``, ``extra_headers``,
        ``extra_body``. Any other keyword is a ``TypeError``.
        """
        return ResponseStream(self, self._exchange("stream", call, stream=True))

    def create(self, **call: Unpack[Call]) -> StreamResult:
        """A non-streaming call (same arguments), returning the same result type."""
        ex = self._exchange("create", call, stream=False)
        for _ in sync_events(self._client, ex, Current()):
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
        return model_list(sync_json(self._client, ex))

    def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(sync_json(self._client, ex))

    def pricing(self, model: str | None = None) -> list[ModelPrice]:
        """What LemonData charges (``GET /v1/pricing``): every model's prices, or only
        ``model``'s (``?model=``), as :class:`ModelPrice` objects (``Decimal`` figures)."""
        ex = JSONExchange(self.config, "GET", "/pricing", params=_filters(model=model))
        return price_list(sync_json(self._client, ex))

    def embed(self, texts: str | Sequence[str], **options: Unpack[EmbedOptions]) -> EmbeddingResult:
        """Embed ``texts`` (``POST /v1/embeddings``), in batches, vectors in input order.

        Args:
            texts: one text or a list of texts (an empty list sends nothing).
            **options: ``model`` (required), ``dimensions``, ``encoding_format``,
                ``batch_size``, ``max_batch_chars``, ``user``, ``extra_body``, ``timeout``,
                ``deadline``: see :class:`~.retrieval.EmbedOptions`.
        """
        job = self._embedding_job(texts, options)
        while (ex := job.next()) is not None:
            job.add(sync_json(self._client, ex))
        return job.result()

    def rerank(
        self, query: str, documents: Sequence[str], **options: Unpack[RerankOptions]
    ) -> RerankResult:
        """Rank ``documents`` by relevance to ``query`` (``POST /v1/rerank``).

        Args:
            query: up to 32,000 characters.
            documents: up to 1,000 texts of up to 100,000 characters, 2,000,000 in all
                (checked before sending; an empty list sends nothing).
            **options: ``model`` (required), ``top_n``, ``return_documents``,
                ``extra_body``, ``timeout``, ``deadline``: see
                :class:`~.retrieval.RerankOptions`.
        """
        job = self._rerank_job(query, documents, options)
        while (ex := job.next()) is not None:
            job.add(sync_json(self._client, ex))
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
            self._iter = sync_events(self._client._client, self._exchange, self._current)
        return self._iter


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
        async for _ in async_events(self._client, ex, Current()):
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
        return model_list(await async_json(self._client, ex))

    async def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(await async_json(self._client, ex))

    async def pricing(self, model: str | None = None) -> list[ModelPrice]:
        """What LemonData charges (arguments as :meth:`LemonDataClient.pricing`)."""
        ex = JSONExchange(self.config, "GET", "/pricing", params=_filters(model=model))
        return price_list(await async_json(self._client, ex))

    async def embed(
        self, texts: str | Sequence[str], **options: Unpack[EmbedOptions]
    ) -> EmbeddingResult:
        """Embed ``texts`` (arguments as :meth:`LemonDataClient.embed`)."""
        job = self._embedding_job(texts, options)
        while (ex := job.next()) is not None:
            job.add(await async_json(self._client, ex))
        return job.result()

    async def rerank(
        self, query: str, documents: Sequence[str], **options: Unpack[RerankOptions]
    ) -> RerankResult:
        """Rank ``documents`` by relevance (arguments as :meth:`LemonDataClient.rerank`)."""
        job = self._rerank_job(query, documents, options)
        while (ex := job.next()) is not None:
            job.add(await async_json(self._client, ex))
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
            self._iter = async_events(self._client._client, self._exchange, self._current)
        return self._iter
