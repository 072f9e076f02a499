"""Retry, resume and route-fallback rules (pure; the clock and the jitter come in).

:class:`~lemon_adapters.core.http.exchange.Exchange` applies them to each failed attempt:

**Retries happen before the first event only.** A request is re-sent, up to
``max_retries`` times, when it fails with a connection error, a timeout, HTTP 408, 409,
429, 500, 502, 503, 504 or 529, or any error whose body says ``"retryable": true``. A body's
explicit ``"retryable": false`` wins over the status (LemonData's 503 ``all_channels_failed``
for a model with no channel configured is not retried). A failure after the response
headers but before any event reached the caller (a drop, a stall, an empty body, a
retryable in-stream error as the very first frame) is retried the same way, because the
caller has seen nothing. Once one event has been handed to the caller nothing is retried
automatically, so no token is ever delivered twice; the error carries ``partial`` and
``output_received`` instead. 400, 401, 402, 403, 404, 413, 422 and malformed bodies are
raised at once.

**Backoff** is exponential with jitter: attempt *n* waits a uniform random time in
``[c/2, c]`` with ``c = min(initial_delay * 2**n, max_delay)``. A server's ``Retry-After``
(seconds or an HTTP date; ``retry-after-ms`` too) or the body's ``retry_after`` replaces the
computed wait, capped by ``max_delay`` (the client's ``max_retry_delay``). When an overall
``deadline`` is set and the wait would outlast it, the error is raised instead of sleeping.

**Resume** (opt-in, Responses API with ``background: true``): when a stream drops, stalls,
ends without its terminal event or meets another retryable failure (a 5xx or 429 on the
resume request, a refused connection) -- but not an error the server reported inside the
stream, nor the overall deadline -- and the response id and a ``sequence_number`` are
known, the client re-attaches with ``GET {base}/responses/{id}?stream=true&starting_after=N``
where ``N`` is the last ``sequence_number`` seen. The same parser continues, and events at
or below ``N`` are skipped, so each event reaches the caller exactly once. Up to
``max_retries`` consecutive resumes that bring no new event are attempted.

**Route fallback** (``api="auto"``): when the gateway rejects the Responses route for the
model before any output, the same neutral request is sent once via Chat Completions; what
counts as a rejection, and the memory of the route that answered, are in
:mod:`lemon_adapters.core.http.routes`. ``api="responses"`` and ``api="chat"`` never fall
back.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lemon_adapters.core.errors import ConfigurationError, LemonDataError
from lemon_adapters.core.http.routes import ROUTES, RouteMemory, is_route_rejection

__all__ = ["ROUTES", "Jitter", "RetryPolicy", "RouteMemory", "is_route_rejection"]

#: ``jitter(low, high)``: a random number in ``[low, high]`` (``random.uniform``).
Jitter = Callable[[float, float], float]


class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's ``Retry-After``.

    Attributes:
        max_retries: how many times a request may be re-sent.
        initial_delay: the first backoff ceiling in seconds (doubled per attempt).
        max_delay: the longest single wait, also capping ``Retry-After``.
        jitter: where the randomness comes from (tests pass their own).
    """

    __slots__ = ("initial_delay", "jitter", "max_delay", "max_retries")

    def __init__(
        self,
        max_retries: int = 2,
        *,
        initial_delay: float = 0.5,
        max_delay: float = 30.0,
        jitter: Jitter = random.uniform,
    ) -> None:
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, not {max_retries}")
        if max_delay < 0 or initial_delay < 0:
            raise ConfigurationError("retry delays must be >= 0")
        self.max_retries = max_retries
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.jitter = jitter

    def delay(self, attempt: int, error: LemonDataError) -> float | None:
        """Seconds to wait before re-sending after ``error``, or ``None`` to give up.

        Args:
            attempt: how many re-sends already happened (0 for the first failure).
            error: the failure.
        """
        if attempt >= self.max_retries or not error.retryable:
            return None
        return self.backoff(attempt, error.retry_after)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before re-send number ``attempt + 1``, ignoring whether to retry."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        ceiling = min(self.initial_delay * (2 ** min(attempt, 32)), self.max_delay)
        return self.jitter(ceiling / 2, ceiling)
