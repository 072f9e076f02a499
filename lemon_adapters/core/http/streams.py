"""The streams the clients return: a context manager and an iterator of normalized events
over one :class:`~.exchange.Exchange`, run by the drivers (sync and async twins)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from lemon_adapters.core.events import Api, StreamEvent
from lemon_adapters.core.http.drivers import Current, async_events, sync_events
from lemon_adapters.core.http.exchange import Exchange
from lemon_adapters.core.wire.accumulate import StreamResult

if TYPE_CHECKING:
    from lemon_adapters.core.client import AsyncLemonDataClient, LemonDataClient

__all__ = ["AsyncResponseStream", "ResponseStream"]


class _StreamBase:
    """What both stream classes expose besides iteration."""

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange
        self._current = Current()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api={self.api!r}, model={self._exchange.neutral.model!r})"

    @property
    def api(self) -> Api:
        """The API actually used (``"chat"`` after an ``api="auto"`` fallback)."""
        return self._exchange.api

    @property
    def request_body(self) -> dict[str, Any]:
        """The JSON body sent (for the API in use)."""
        return self._exchange.request_body(self._exchange.api)

    @property
    def result(self) -> StreamResult:
        """The result accumulated so far (empty before the first event)."""
        return self._exchange.result

    @property
    def response(self) -> httpx.Response | None:
        """The current HTTP response, once open (its status, headers and extensions; the
        body is the stream's to read, and ``num_bytes_downloaded`` is not counted for an
        uncompressed event stream, read straight from the transport)."""
        return self._current.response

    @property
    def attempts(self) -> int:
        """Re-sends made before the first event (retries and a route fallback)."""
        return self._exchange.attempts + int(self._exchange.fell_back)


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
            self._iter = sync_events(self._client.http_client, self._exchange, self._current)
        return self._iter


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
            self._iter = async_events(self._client.http_client, self._exchange, self._current)
        return self._iter
