"""What every call of a client shares, and the limits and hygiene every exchange applies:
the configuration, the request to send, the overall deadline, the transport failures a
driver reports, and the scrubbing of the API key out of errors (pure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lemon_adapters._version import __version__
from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
)
from lemon_adapters.core.http.retry import RetryPolicy, RouteMemory

#: A transport failure, as the client classifies its transport's exceptions: the call's
#: deadline scope ran out, a phase timed out, the connection dropped (or closed early), the
#: body's compression was broken, or anything else on the way (refused, reset, DNS...).
TransportFailure = Literal[
    "deadline",
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "pool_timeout",
    "dropped",
    "decoding",
    "connection",
]

#: What the call was doing when each timeout struck, for the message.
TIMEOUT_PHASES: dict[str, str] = {
    "connect_timeout": "connecting",
    "read_timeout": "waiting for data",
    "write_timeout": "sending the request",
    "pool_timeout": "waiting for a free connection",
}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds for each phase of a request (``None``: no limit). ``read`` is the idle time
    allowed between two chunks, so it also catches a stream that stalls mid-way."""

    connect: float | None
    read: float | None
    write: float | None
    pool: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """What every call of one client shares (the clients build it from their arguments).

    Attributes:
        api_key: the key (``None``: every call fails with a ConfigurationError).
        base_url: the gateway's ``/v1`` URL, without a trailing slash.
        timeouts: the default timeouts.
        retry: the backoff and retry budget.
        deadline: the default overall seconds per call.
        default_headers: headers added to every request.
        routes: the ``api="auto"`` route memory.
    """

    api_key: str | None
    base_url: str
    timeouts: Timeouts
    retry: RetryPolicy
    deadline: float | None
    default_headers: Mapping[str, str]
    routes: RouteMemory

    def headers(self, *, stream: bool) -> dict[str, str]:
        """The headers of every request of a call."""
        if not self.api_key:
            raise ConfigurationError(
                "no API key: pass api_key=... or set the LEMONDATA_API_KEY environment variable"
            )
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "text/event-stream" if stream else "application/json",
            "User-Agent": f"lemon-adapters/{__version__}",
        }
        headers.update(self.default_headers)
        return headers


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    """One HTTP request to send, with its timeouts already cut to the deadline."""

    method: str
    url: str
    json: dict[str, Any] | None
    params: dict[str, str] | None
    headers: dict[str, str]
    timeouts: Timeouts


class Deadline:
    """The overall time limit of one call, retries included; its clock starts with the
    first request. Every deadline decision of a call asks this one object.

    Attributes:
        seconds: the limit, or ``None`` for none.
        at: the clock reading at which the call must end (``None`` before the start).
    """

    __slots__ = ("at", "clock", "seconds")

    def __init__(self, seconds: float | None, clock: Callable[[], float]) -> None:
        if seconds is not None and not seconds > 0:
            raise ConfigurationError(f"deadline must be > 0 seconds, not {seconds}")
        self.seconds = seconds
        self.clock = clock
        self.at: float | None = None

    def start(self) -> None:
        """Start the clock (idempotent)."""
        if self.seconds is not None and self.at is None:
            self.at = self.clock() + self.seconds

    def remaining(self) -> float | None:
        """Seconds left (never negative), or ``None`` without a deadline."""
        return None if self.at is None else max(0.0, self.at - self.clock())

    def expired(self) -> bool:
        """The deadline has passed."""
        return self.at is not None and self.clock() >= self.at

    def cap(self, timeouts: Timeouts) -> Timeouts:
        """``timeouts`` with each phase cut to the time left."""
        left = self.remaining()
        if left is None:
            return timeouts
        left = max(left, 0.001)  # a zero timeout means "no wait at all" to some backends

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return Timeouts(
            cut(timeouts.connect), cut(timeouts.read), cut(timeouts.write), cut(timeouts.pool)
        )

    @staticmethod
    def error() -> APITimeoutError:
        """The error for the exceeded deadline (never retried or resumed)."""
        return APITimeoutError(
            "the call's overall deadline was exceeded", code=DEADLINE_CODE, retryable=False
        )


def scrub(error: LemonDataError, key: str | None) -> None:
    """Replace the exact API key everywhere in ``error`` (servers do echo keys)."""
    if not key or len(key) < 4:
        return
    error.message = error.message.replace(key, "***")
    error.args = (error.message,)
    for name in ("body", "hint", "did_you_mean", "suggestions", "suggestions_raw", "param"):
        setattr(error, name, _scrubbed(getattr(error, name), key))
    for name in ("code", "type", "alternatives", "extra"):
        setattr(error, name, _scrubbed(getattr(error, name), key))


def _scrubbed(value: Any, key: str) -> Any:
    """``value`` with ``key`` replaced in every string, however deep (no recursion: error
    bodies come from the network and may nest past Python's recursion limit)."""
    if isinstance(value, str):
        return value.replace(key, "***")
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, slot = stack.pop()
        item = holder[slot]
        if isinstance(item, str):
            holder[slot] = item.replace(key, "***")
        elif isinstance(item, dict):
            mapping = holder[slot] = {
                k.replace(key, "***") if isinstance(k, str) else k: v for k, v in item.items()
            }
            stack.extend((mapping, k) for k in mapping)
        elif isinstance(item, list):
            items = holder[slot] = list(item)
            stack.extend((items, i) for i in range(len(items)))
    return root[0]
