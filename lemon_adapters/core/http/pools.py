"""The clients of one adapter object, shared by both adapters.

An adapter (``ChatLemonData``, ``LemonData``) needs one sync client and one async client
per running event loop (an httpx async pool belongs to the loop that opened it), all made
from the same arguments, reused across calls and closed correctly. :class:`Clients` does
that once for both.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any

import httpx

from lemon_adapters.core.client import AsyncLemonDataClient, LemonDataClient


class Clients:
    """The clients of one adapter object: one sync client and one async client per running
    event loop (an httpx async pool belongs to the loop that opened it), created on first
    use from the same arguments and closed with :meth:`close` / :meth:`aclose`, or when the
    owner is garbage collected (the sync pool; async pools go with their loop).

    Args:
        owner: the adapter object whose lifetime bounds the sync pool.
        http_client, async_http_client: injected httpx clients (never closed here).
        **kwargs: :class:`LemonDataClient` arguments.
    """

    def __init__(
        self,
        owner: object | None = None,
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        **kwargs: Any,
    ) -> None:
        self._kwargs = kwargs
        self._http = http_client
        self._ahttp = async_http_client
        self._sync: LemonDataClient | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncLemonDataClient]
        self._async = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._owner = None if owner is None else weakref.ref(owner)

    @property
    def sync(self) -> LemonDataClient:
        """The sync client (created on first use)."""
        with self._lock:
            if self._sync is None:
                self._sync = LemonDataClient(http_client=self._http, **self._kwargs)
                owner = self._owner() if self._owner is not None else None
                if owner is not None:  # a dropped adapter leaves no open sockets behind
                    weakref.finalize(owner, self._sync.close)
            return self._sync

    @property
    def async_(self) -> AsyncLemonDataClient:
        """The async client of the running event loop (created on first use)."""
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = AsyncLemonDataClient(
                http_client=self._ahttp, **self._kwargs
            )
        return client

    def close(self) -> None:
        """Close the sync pool (if created here); it reopens on use."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the running loop's async pool (if created here); it reopens on use."""
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
