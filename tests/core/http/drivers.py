"""One test body, two clients: drivers that run a stream sync or async and report the same way.

Each driver opens a client on the fault server, runs one or more streams to the end (or to
``stop_after`` events), and returns an :class:`Outcome` per stream with the events, the
result, the typed error if any, and how many pool connections were still active afterwards
(a leak if not zero).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from lemon_adapters import (
    AsyncLemonDataClient,
    LemonDataClient,
    LemonDataError,
    StreamEvent,
    StreamResult,
    TextDelta,
)

KEY = "lemon-fault-suite-SECRET-0123456789"
MESSAGES = [{"role": "user", "content": "Tell me about lemons."}]
#: Short waits so the suite is fast; tests override per case.
CLIENT_DEFAULTS: dict[str, Any] = {
    "max_retries": 2,
    "max_retry_delay": 0.01,
    "timeout": httpx.Timeout(2.0, connect=2.0),
}


@dataclass
class Outcome:
    """What one stream did."""

    events: list[StreamEvent]
    result: StreamResult
    error: LemonDataError | None
    api: str
    attempts: int
    active: int

    @property
    def text(self) -> str:
        """Text as the caller saw it, delta by delta."""
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def partial_text(self) -> str:
        """The error's partial text ('' when no partial)."""
        if self.error is None or self.error.partial is None:
            return ""
        return self.error.partial.text


def active_connections(http_client: httpx.Client | httpx.AsyncClient) -> int:
    """Pool connections that are neither idle nor closed (a request still holds them)."""
    pool = http_client._transport._pool  # type: ignore[union-attr]
    return sum(1 for c in pool.connections if not (c.is_idle() or c.is_closed()))


class SyncDriver:
    """Runs streams with :class:`LemonDataClient`."""

    name = "sync"

    def run(self, base_url: str, **kwargs: Any) -> Outcome:
        """One stream; see :meth:`run_many`."""
        return self.run_many(base_url, 1, **kwargs)[0]

    def run_many(
        self,
        base_url: str,
        n: int,
        *,
        client: dict[str, Any] | None = None,
        stop_after: int | None = None,
        **stream: Any,
    ) -> list[Outcome]:
        """``n`` sequential streams on one client (``stream`` kwargs go to ``stream()``)."""
        out = []
        with LemonDataClient(
            api_key=KEY, base_url=base_url, **{**CLIENT_DEFAULTS, **(client or {})}
        ) as c:
            for _ in range(n):
                s = c.stream(messages=MESSAGES, **stream)
                events: list[StreamEvent] = []
                error = None
                try:
                    with s:
                        for event in s:
                            events.append(event)
                            if stop_after is not None and len(events) >= stop_after:
                                break
                except LemonDataError as exc:
                    error = exc
                out.append(
                    Outcome(
                        events,
                        s.result,
                        error,
                        s.api,
                        s.attempts,
                        active_connections(c.http_client),
                    )
                )
        return out

    def create(
        self, base_url: str, *, client: dict[str, Any] | None = None, **kwargs: Any
    ) -> StreamResult:
        """A non-streaming call."""
        with LemonDataClient(
            api_key=KEY, base_url=base_url, **{**CLIENT_DEFAULTS, **(client or {})}
        ) as c:
            return c.create(messages=MESSAGES, **kwargs)


class AsyncDriver:
    """Runs the same streams with :class:`AsyncLemonDataClient` on a fresh event loop."""

    name = "async"

    def run(self, base_url: str, **kwargs: Any) -> Outcome:
        """One stream; see :meth:`run_many`."""
        return self.run_many(base_url, 1, **kwargs)[0]

    def run_many(self, base_url: str, n: int, **kwargs: Any) -> list[Outcome]:
        """``n`` sequential streams on one client."""
        return asyncio.run(self._run_many(base_url, n, **kwargs))

    async def _run_many(
        self,
        base_url: str,
        n: int,
        *,
        client: dict[str, Any] | None = None,
        stop_after: int | None = None,
        **stream: Any,
    ) -> list[Outcome]:
        out = []
        async with AsyncLemonDataClient(
            api_key=KEY, base_url=base_url, **{**CLIENT_DEFAULTS, **(client or {})}
        ) as c:
            for _ in range(n):
                s = c.stream(messages=MESSAGES, **stream)
                events: list[StreamEvent] = []
                error = None
                try:
                    async with s:
                        async for event in s:
                            events.append(event)
                            if stop_after is not None and len(events) >= stop_after:
                                break
                except LemonDataError as exc:
                    error = exc
                out.append(
                    Outcome(
                        events,
                        s.result,
                        error,
                        s.api,
                        s.attempts,
                        active_connections(c.http_client),
                    )
                )
        return out

    def create(
        self, base_url: str, *, client: dict[str, Any] | None = None, **kwargs: Any
    ) -> StreamResult:
        """A non-streaming call."""

        async def go() -> StreamResult:
            async with AsyncLemonDataClient(
                api_key=KEY, base_url=base_url, **{**CLIENT_DEFAULTS, **(client or {})}
            ) as c:
                return await c.create(messages=MESSAGES, **kwargs)

        return asyncio.run(go())


Driver = SyncDriver | AsyncDriver
