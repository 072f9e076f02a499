"""The overall time limit of one call, retries included (pure: the clock comes in)."""

from __future__ import annotations

from collections.abc import Callable

from lemon_adapters.core.errors import DEADLINE_CODE, APITimeoutError, ConfigurationError
from lemon_adapters.core.http.config import Timeouts


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
