"""The two public clients, :class:`LemonDataClient` and :class:`AsyncLemonDataClient`, and
their streams: configuration and the public methods. Each call becomes an
:class:`~.exchange.Exchange` (or a :class:`~.json_exchange.JSONExchange`) that
:mod:`.drivers` runs over httpx; together with the drivers, this is the only I/O in the
package.
"""

from __future__ import annotations

import os
import ssl
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
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
from lemon_adapters.core.errors import ConfigurationError
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
from lemon_adapters.core.http.streams import AsyncResponseStream, ResponseStream
from lemon_adapters.core.request.build import request_of
from lemon_adapters.core.request.call import Call, check_call, check_keywords
from lemon_adapters.core.wire.accumulate import StreamResult

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

H = TypeVar("H", httpx.Client, httpx.AsyncClient)

DEFAULT_BASE_URL = "https://api.lemondata.cc/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)


#: What a forked child inherited and must never use or close: the parent's pools (closing
#: them could block on a lock held at fork time; dropping them would warn of unclosed
#: sockets). Kept, untouched, for the child's lifetime.
_INHERITED: list[object] = []


_SSL: dict[bool, ssl.SSLContext] = {}
_SSL_LOCK = threading.Lock()


def ssl_context(http2: bool) -> ssl.SSLContext:
    """httpx's default TLS context (certifi, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as set
    when the first client is made), built once per process and ALPN setting: building one
    costs about 60 ms of CPU, paid by every pool (one per event loop, so once per
    ``asyncio.run``) without it. One per ``http2`` value, because httpcore sets the
    context's ALPN protocols from it."""
    with _SSL_LOCK:
        context = _SSL.get(http2)
        if context is None:
            context = _SSL[http2] = httpx.create_ssl_context()
        return context


def abandon(*objects: object) -> None:
    """Keep ``objects`` (a parent's pools, in a forked child) out of use and unclosed."""
    _INHERITED.extend(o for o in objects if o)


class _ClientBase(ABC, Generic[H]):
    """Configuration shared by both clients (see :class:`LemonDataClient` for the args),
    and their httpx client, rebuilt in a forked child."""

    _client: H

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        max_retry_delay: float = 30.0,
        deadline: float | None = None,
        stall_timeout: float | None = None,
        default_headers: Mapping[str, str] | None = None,
        http2: bool = False,
        routes: RouteMemory | None = None,
        injected_timeout: httpx.Timeout | None = None,
    ) -> None:
        self.timeout = _timeout(timeout) if timeout is not None else injected_timeout
        self.timeout = self.timeout or DEFAULT_TIMEOUT
        self.http2 = http2
        if stall_timeout is not None and not stall_timeout > 0:
            raise ConfigurationError(f"stall_timeout must be > 0 seconds, not {stall_timeout}")
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
            stall=stall_timeout,
        )

    def _use(self, http_client: H | None) -> None:
        self._owns_client = http_client is None
        self._client = http_client or self._new_http()
        self._pid = os.getpid()

    @abstractmethod
    def _new_http(self) -> H:
        """The httpx client this client creates when none is injected."""

    @property
    def http_client(self) -> H:
        """The underlying httpx client. In a forked child, a pool this client created is
        replaced by a new one on first use, so parent and child never share a socket (an
        injected one is the caller's to manage)."""
        if self._pid != os.getpid() and self._owns_client:
            abandon(self._client)
            self._use(None)
        return self._client

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


# -- sync -----------------------------------------------------------------------------------


class LemonDataClient(_ClientBase[httpx.Client]):
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
        stall_timeout: seconds a stream may go without progress (an event, or bytes of one
            arriving) before it fails with ``APITimeoutError`` (``code="stream_stalled"``,
            the partial result attached); keep-alive comments, pings and empty chunks do
            not count (the limit runs from the first of them after the last progress, so
            it ends at most one padding interval late). Default: the read timeout (120 s
            by default).
        default_headers: extra headers on every request.
        http_client: an ``httpx.Client`` to use (not closed by this client); its timeouts
            apply unless ``timeout`` is given.
        http2: use HTTP/2 (needs ``lemon-adapters[http2]``).
        routes: the ``api="auto"`` route cache (default: the process-wide ``ROUTES``).
    """

    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(injected_timeout=http_client.timeout if http_client else None, **kwargs)
        self._use(http_client)

    def _new_http(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, http2=self.http2, verify=ssl_context(self.http2))

    def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_client:
            self.http_client.close()

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
        for _ in sync_events(self.http_client, ex, Current()):
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
        return model_list(sync_json(self.http_client, ex))

    def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(sync_json(self.http_client, ex))

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
            job.add(sync_json(self.http_client, ex))
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
            job.add(sync_json(self.http_client, ex))
        return job.result()


# -- async ----------------------------------------------------------------------------------


class AsyncLemonDataClient(_ClientBase[httpx.AsyncClient]):
    """Asynchronous LemonData client; same arguments as :class:`LemonDataClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(injected_timeout=http_client.timeout if http_client else None, **kwargs)
        self._use(http_client)

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout, http2=self.http2, verify=ssl_context(self.http2)
        )

    async def aclose(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_client:
            await self.http_client.aclose()

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
        async for _ in async_events(self.http_client, ex, Current()):
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
        return model_list(await async_json(self.http_client, ex))

    async def model(self, model_id: str) -> ModelInfo:
        """One model's details (``GET /v1/models/{model}``); ``ModelNotFoundError`` if none."""
        ex = JSONExchange(self.config, "GET", _models_path(model_id))
        return model_info(await async_json(self.http_client, ex))

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
            job.add(await async_json(self.http_client, ex))
        return job.result()

    async def rerank(
        self, query: str, documents: Sequence[str], **options: Unpack[RerankOptions]
    ) -> RerankResult:
        """Rank ``documents`` by relevance (arguments as :meth:`LemonDataClient.rerank`)."""
        job = self._rerank_job(query, documents, options)
        while (ex := job.next()) is not None:
            job.add(await async_json(self.http_client, ex))
        return job.result()
