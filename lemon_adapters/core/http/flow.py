"""What every exchange shares, and the exchange itself as one generator.

:meth:`BaseExchange.steps` is a whole call, as httpx's ``Auth.auth_flow`` is: it yields a
:class:`Send` (the driver sends the request and sends back ``(status, headers)``), then the
:data:`ReadMode` of that response (the driver reads the body through
:meth:`~BaseExchange.feed` / :meth:`~BaseExchange.end` or :meth:`~BaseExchange.read_whole`,
raising :meth:`~BaseExchange.check` after each batch), and a :class:`Sleep` before the next
attempt. Any :class:`LemonDataError` met while sending or reading is thrown into the
generator, which decides what follows (:meth:`~BaseExchange.retry_delay`) or re-raises it.
Pure: the clock comes in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    STALL_CODE,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
    MalformedStreamError,
    StreamDisconnectedError,
    redact,
)
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.http.config import (
    TIMEOUT_PHASES,
    ClientConfig,
    HTTPRequest,
    Timeouts,
    TransportFailure,
)
from lemon_adapters.core.http.deadline import Deadline
from lemon_adapters.core.http.facts import logger
from lemon_adapters.core.http.scrub import scrub

#: Bytes of an unexpected (non-SSE, non-JSON) body read to name it in the error.
SNIPPET = 4096

#: How the driver reads a response: feed it chunk by chunk, read it whole (an error or a
#: JSON answer), or read its head only (something else, to name in the error).
ReadMode = Literal["stream", "whole", "head"]
Action = Literal["retry", "fallback", "resume"]


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request; send back ``(status, headers)`` of its response."""

    request: HTTPRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds before the next attempt."""

    seconds: float


Step: TypeAlias = Send | Sleep | ReadMode
#: What the driver sends back for a :class:`Send`.
Opened: TypeAlias = tuple[int, Mapping[str, str]]


class BaseExchange(ABC):
    """What every exchange shares: the headers, the timeouts, the deadline, the retry
    budget, the translation of transport failures, and the generator of decisions.

    Attributes:
        stream: an event stream is read (``False``: a body read whole).
        timeouts: this call's timeouts; ``deadline``: its :class:`Deadline`.
        stall: seconds a stream may go without progress (``None``: no limit).
        attempts: re-sends so far.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        stream: bool,
        timeouts: Timeouts | None,
        deadline: float | None,
        extra_headers: Mapping[str, str] | None,
        clock: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.config = config
        self.stream = stream
        self.timeouts = timeouts or config.timeouts
        self.deadline = Deadline(config.deadline if deadline is None else deadline, clock)
        self.stall = (config.stall or self.timeouts.read) if stream else None
        self.attempts = 0
        self._clock = clock
        self._wall = wall
        self._headers = {**config.headers(stream=stream), **(extra_headers or {})}
        self._reading = False  # an event stream's body is being fed
        self._status = 0
        self._response_headers: Mapping[str, str] = {}

    def steps(self) -> Generator[Step, Opened | None, None]:
        """The exchange: every request, read and wait it needs, in order (see the module
        docstring). Ends when an attempt was read through without a failure."""
        while True:
            try:
                opened = yield Send(self.next_request())
                assert opened is not None
                yield self.open(*opened)
                return
            except LemonDataError as error:
                delay = self.retry_delay(error)  # raises when there is no next attempt
            if delay > 0:
                yield Sleep(delay)

    # -- what to send and how to read it (per kind of exchange) -------------------------------

    @abstractmethod
    def next_request(self) -> HTTPRequest:
        """The request of the next attempt."""

    @abstractmethod
    def open(self, status: int, headers: Mapping[str, str]) -> ReadMode:
        """How to read the response that arrived with ``status`` and ``headers``."""

    def feed(self, chunk: bytes) -> list[StreamEvent]:
        """The events one chunk of an event stream completes. Never raises. (An exchange
        whose :meth:`open` always reads the body whole has none.)"""
        return []

    def end(self) -> list[StreamEvent]:
        """The events still buffered when the body ended. Never raises."""
        return []

    @abstractmethod
    def read_whole(self, content: bytes) -> list[StreamEvent]:
        """The events of a body read whole, or its failure. Never raises."""

    @abstractmethod
    def check(self) -> None:
        """Raise the failure the response reported, if there is one."""

    # -- failures ---------------------------------------------------------------------------

    def _timeouts(self) -> Timeouts:
        """This attempt's timeouts: cut to the deadline, and the read timeout to the stall
        limit (so silence is caught at the socket; padding is caught by :meth:`feed`)."""
        t = self.deadline.cap(self.timeouts)
        if self.stall is not None and (t.read is None or self.stall < t.read):
            t = Timeouts(t.connect, self.stall, t.write, t.pool)
        return t

    def transport_error(self, kind: TransportFailure, detail: str) -> LemonDataError | None:
        """The one translation of a transport failure into a typed error with the partial
        result; ``None`` when the answer was already whole (see :meth:`_whole`).

        Args:
            kind: what failed (the driver maps its transport's exceptions to these).
            detail: the exception's text, for the message (bearer tokens are redacted).
        """
        if self._whole():
            return None
        detail = redact(detail)
        err: LemonDataError
        read = self.timeouts.read
        if kind == "deadline" or self.deadline.expired():
            err = self.deadline.error()
        elif kind == "read_timeout" and self._stalled_at_socket(read):
            err = self.stall_error(f"{detail}: ")
        elif kind in TIMEOUT_PHASES:
            err = self._timeout(kind, detail)
        elif kind == "decoding":
            encoding = self._response_headers.get("content-encoding")
            label = f" as its Content-Encoding: {encoding} says" if encoding else ""
            err = MalformedStreamError(f"the body could not be decoded{label}: {detail}")
        elif kind == "dropped" and self._reading:
            err = StreamDisconnectedError(f"the connection dropped mid-stream: {detail}")
        else:
            err = APIConnectionError(detail)
        return self._attach(err)

    def _stalled_at_socket(self, read: float | None) -> bool:
        """A read timeout while feeding a stream whose read timeout is the stall limit."""
        stall = self.stall
        return self._reading and stall is not None and (read is None or stall <= read)

    def _timeout(self, kind: TransportFailure, detail: str) -> APITimeoutError:
        phase, seconds = TIMEOUT_PHASES[kind], getattr(self.timeouts, kind.split("_")[0])
        mid = " mid-stream" if self._reading else ""
        return APITimeoutError(f"{detail}: no progress for {seconds}s while {phase}{mid}")

    def stall_error(self, detail: str = "") -> APITimeoutError:
        """The error of a stream that went :attr:`stall` seconds without progress, silent
        (``detail``: the socket's read timeout) or padded with keep-alives."""
        return APITimeoutError(
            f"{detail}the stream stalled: no progress for {self.stall}s mid-stream"
            " (keep-alive comments and pings do not count; see stall_timeout)",
            code=STALL_CODE,
        )

    def _whole(self) -> bool:
        """The answer already arrived intact (a failure after it is dropped)."""
        return False

    def _attach(self, err: LemonDataError) -> LemonDataError:
        """``err`` with what the call produced so far."""
        return err

    # -- after a failure --------------------------------------------------------------------

    def retry_delay(self, error: LemonDataError) -> float:
        """Seconds to wait before the next attempt after ``error``; re-raises it when there
        is to be no next attempt. The API key is scrubbed from the error first."""
        scrub(error, self.config.api_key)
        if isinstance(error, ConfigurationError) or error.code == DEADLINE_CODE:
            raise error
        action, delay = self._decide(error)
        logger.info(
            "lemon_adapters: %s in %.3fs after %s: %s", action, delay, type(error).__name__, error
        )
        return delay

    def _decide(self, error: LemonDataError) -> tuple[Action, float]:
        return "retry", self._retry(error)

    def _retry(self, error: LemonDataError) -> float:
        wait = self.config.retry.delay(self.attempts, error)
        if wait is None:
            raise error
        self.attempts += 1
        return self._fit(wait, error)

    def _fit(self, delay: float, error: LemonDataError) -> float:
        remaining = self.deadline.remaining()
        if remaining is not None and delay >= remaining:
            raise error
        return delay
