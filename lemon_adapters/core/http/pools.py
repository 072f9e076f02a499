"""The clients of one adapter object, shared by both adapters.

An adapter (``ChatLemonData``, ``LemonData``) needs one sync client and one async client
per running event loop (an httpx async pool belongs to the loop that opened it), all made
from the same arguments, reused across calls and closed correctly. :class:`Clients` does
that once for both:

* **A pool ends with its event loop.** The async client of a loop is closed while that loop
  shuts down (``asyncio.run``, and every runner that calls ``loop.shutdown_asyncgens()``):
  a small async generator, started in the loop, is finalized by the loop's shutdown and
  closes the client there, so no socket outlives the loop and nothing is left to close
  after it ("Event loop is closed"). A plain weak map cannot do this: its value holds its
  own key (client -> transport -> pool -> connection -> stream -> loop), so no entry ever
  goes. A loop closed without that shutdown leaves its entry to be dropped at the next use.
* **A pool belongs to one process.** The core clients rebuild their pools in a forked child
  (see :class:`~lemon_adapters.core.client.LemonDataClient`); the per-loop map starts empty
  there too.
* **Picklable.** Pickling keeps the arguments (the key included, as the object it belongs to
  needs it), never a pool: the copy opens its own on first use, in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import Any, get_args

import httpx

from lemon_adapters.core.client import (
    DEFAULT_BASE_URL,
    AsyncLemonDataClient,
    LemonDataClient,
    abandon,
)
from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.events import ApiChoice


class Clients:
    """The clients of one adapter object: one sync client and one async client per running
    event loop, created on first use from the same arguments and closed with :meth:`close`
    / :meth:`aclose`, when their loop shuts down (async), or when the owner is garbage
    collected (sync).

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
        self._owner = None if owner is None else weakref.ref(owner)
        self._reset()

    def _reset(self) -> None:
        if getattr(self, "_pid", None) not in (None, os.getpid()):
            abandon(self._sync, self._async)  # a forked child: the parent's, never used here
        self._sync: LemonDataClient | None = None
        self._async: dict[int, _LoopClient] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"Clients(base_url={self._kwargs.get('base_url')!r}, loops={len(self._async)})"

    @property
    def sync(self) -> LemonDataClient:
        """The sync client (created on first use)."""
        if self._pid != os.getpid():  # a forked child: the lock may have been held
            self._reset()
        with self._lock:
            if self._sync is None:
                self._sync = LemonDataClient(http_client=self._http, **self._kwargs)
                owner = self._owner() if self._owner is not None else None
                # A dropped adapter leaves no open sockets behind.
                weakref.finalize(self if owner is None else owner, self._sync.close)
            return self._sync

    @property
    def async_(self) -> AsyncLemonDataClient:
        """The async client of the running event loop (created on first use)."""
        loop = asyncio.get_running_loop()
        if self._pid != os.getpid():  # a forked child: the parent's loops are not ours
            self._reset()
        entry = self._async.get(id(loop))
        if entry is not None and entry.loop() is loop:
            return entry.client
        self._sweep()
        client = AsyncLemonDataClient(http_client=self._ahttp, **self._kwargs)
        self._async[id(loop)] = _LoopClient(self, loop, client)
        return client

    def _sweep(self) -> None:
        """Drop the entries of loops that are gone or closed without shutting down."""
        for key, entry in list(self._async.items()):
            loop = entry.loop()
            if loop is None or loop.is_closed():
                self._async.pop(key, None)

    def _forget(self, loop_id: int, client: AsyncLemonDataClient) -> None:
        entry = self._async.get(loop_id)
        if entry is not None and entry.client is client:
            del self._async[loop_id]

    def close(self) -> None:
        """Close the sync pool (if created here); it reopens on use."""
        if self._pid != os.getpid():  # a forked child: nothing here is its own to close
            self._reset()
            return
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the running loop's async pool (if created here); it reopens on use."""
        entry = self._async.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            await entry.client.aclose()

    # -- pickling: the arguments, never a pool ------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        if self._http is not None or self._ahttp is not None:
            raise TypeError(
                "an object with an injected http_client / async_http_client cannot be"
                " pickled (an httpx client holds sockets); pickle it without one, and each"
                " process opens its own pool"
            )
        return {"kwargs": self._kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._kwargs = state["kwargs"]
        self._http = self._ahttp = None
        self._owner = None
        self._reset()


class _LoopClient:
    """One loop's async client, and the async generator that closes it when the loop shuts
    down (``loop.shutdown_asyncgens()`` finalizes every async generator still open)."""

    __slots__ = ("client", "closer", "loop")

    def __init__(
        self, clients: Clients, loop: asyncio.AbstractEventLoop, client: AsyncLemonDataClient
    ) -> None:
        self.client = client
        self.loop = weakref.ref(loop)
        # The loop tracks async generators in a weak set: this entry keeps it alive.
        self.closer = _close_at_shutdown(weakref.ref(clients), id(loop), client)
        # The first step registers it with the loop; it stops at its ``yield``.
        with contextlib.suppress(StopIteration):
            self.closer.asend(None).send(None)


async def _close_at_shutdown(
    clients: weakref.ref[Clients], loop_id: int, client: AsyncLemonDataClient
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        owner = clients()
        if owner is not None:
            owner._forget(loop_id, client)
        await client.aclose()


def model_connection(
    owner: object,
    *,
    api: ApiChoice,
    base_url: str | None,
    http_client: httpx.AsyncClient | None,
    **kwargs: Any,
) -> tuple[ApiChoice, str, Clients]:
    """What an async-only framework model (pydantic-ai, the Agents SDK) is built from: its
    checked ``api``, its base URL (``LEMONDATA_BASE_URL``, else the gateway) and its
    clients (``kwargs``: the other :class:`LemonDataClient` arguments).

    Raises:
        ConfigurationError: ``api`` is not one this package speaks.
    """
    if api not in get_args(ApiChoice):
        raise ConfigurationError(f"api must be one of {get_args(ApiChoice)}, got {api!r}")
    url = (base_url or os.environ.get("LEMONDATA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    clients = Clients(owner, async_http_client=http_client, base_url=url, **kwargs)
    return api, url, clients
