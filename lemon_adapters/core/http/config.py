"""What every call of a client shares (pure): the configuration, the timeouts, the request
to send, and the transport failures a driver reports. The overall deadline is in
:mod:`.deadline`, the key hygiene in :mod:`.scrub`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lemon_adapters._version import __version__
from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.http.retry import RetryPolicy
from lemon_adapters.core.http.routes import RouteMemory

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
        stall: seconds a stream may go without an event (keep-alive comments, pings and
            empty chunks do not count) before it fails; ``None``: the read timeout.

    The key is left out of the ``repr`` (a config is reachable from every client).
    """

    api_key: str | None = field(repr=False)
    base_url: str
    timeouts: Timeouts
    retry: RetryPolicy
    deadline: float | None
    default_headers: Mapping[str, str]
    routes: RouteMemory
    stall: float | None = None

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
    headers: dict[str, str] = field(repr=False)  # the Authorization header
    timeouts: Timeouts
