"""A plain JSON request across its attempts (model discovery, embeddings, rerank): the
exchange of a non-streaming call, pure like :class:`~.exchange.Exchange`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    LemonDataError,
    MalformedStreamError,
    api_error,
    redact,
)
from lemon_adapters.core.http.config import (
    TIMEOUT_PHASES,
    ClientConfig,
    Deadline,
    HTTPRequest,
    Timeouts,
    TransportFailure,
    scrub,
)
from lemon_adapters.core.http.exchange import logger, not_a_stream, response_facts


class JSONExchange:
    """A plain JSON request (model discovery, embeddings, rerank) across its attempts: the
    same configuration, deadline, retry rules, typed errors and key hygiene as a chat call,
    without streaming, resume or route fallback.

    The drivers call :meth:`request`, send it, and hand the answer to :meth:`answer`, which
    returns the decoded JSON or raises the typed error; after any :class:`LemonDataError`
    they ask :meth:`retry_delay`, as for :class:`Exchange`.
    """

    def __init__(
        self,
        config: ClientConfig,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeouts: Timeouts | None = None,
        deadline: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.method = method
        self.path = path
        self.body = body
        self.params = params
        self.timeouts = timeouts or config.timeouts
        self.deadline = Deadline(config.deadline if deadline is None else deadline, clock)
        self._wall = wall
        self._headers = {**config.headers(stream=False), **(extra_headers or {})}
        if body is None:
            self._headers.pop("Content-Type", None)
        self.attempts = 0
        self.facts: dict[str, Any] = {}

    def request(self) -> HTTPRequest:
        """The request to send (again)."""
        self.deadline.start()
        url = self.config.base_url + self.path
        timeouts = self.deadline.cap(self.timeouts)
        return HTTPRequest(self.method, url, self.body, self.params, self._headers, timeouts)

    def answer(self, status: int, headers: Mapping[str, str], content: bytes) -> Any:
        """The decoded JSON of a successful answer; raises the typed error of any other."""
        self.facts = response_facts(headers)
        if status >= 400:
            raise api_error(status, headers, content, now=self._wall())
        try:
            value = json.loads(content)
        except (ValueError, RecursionError):
            raise not_a_stream(
                headers.get("content-type", ""), content, "an invalid JSON body"
            ) from None
        if isinstance(value, dict) and value.get("error"):
            raise api_error(status, headers, content, now=self._wall())
        return value

    def transport_error(self, kind: TransportFailure, detail: str) -> LemonDataError:
        """A transport failure as a typed error (see :meth:`Exchange.transport_error`)."""
        detail = redact(detail)
        if kind == "deadline" or self.deadline.expired():
            return self.deadline.error()
        if kind in TIMEOUT_PHASES:
            seconds = getattr(self.timeouts, kind.split("_")[0])
            phase = TIMEOUT_PHASES[kind]
            return APITimeoutError(f"{detail}: no progress for {seconds}s while {phase}")
        if kind == "decoding":
            return MalformedStreamError(f"the body could not be decoded: {detail}")
        return APIConnectionError(detail)

    def retry_delay(self, error: LemonDataError) -> float:
        """Seconds to wait before re-sending after ``error``; re-raises it to stop."""
        scrub(error, self.config.api_key)
        if isinstance(error, ConfigurationError) or error.code == DEADLINE_CODE:
            raise error
        wait = self.config.retry.delay(self.attempts, error)
        remaining = self.deadline.remaining()
        if wait is None or (remaining is not None and wait >= remaining):
            raise error
        self.attempts += 1
        logger.info(
            "lemon_adapters: retry in %.3fs after %s: %s", wait, type(error).__name__, error
        )
        return wait
