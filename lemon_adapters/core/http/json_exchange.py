"""A plain JSON request across its attempts (model discovery, embeddings, rerank): the
exchange of a call that is not a stream, pure like :class:`~.exchange.Exchange` and run by
the same drivers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from lemon_adapters.core.errors import LemonDataError, MalformedResponseError, api_error
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.http.config import ClientConfig, HTTPRequest, Timeouts
from lemon_adapters.core.http.facts import response_facts
from lemon_adapters.core.http.flow import BaseExchange, ReadMode
from lemon_adapters.core.wire.nesting import body_too_deep, depth_error


class JSONExchange(BaseExchange):
    """A plain JSON request (model discovery, embeddings, rerank) across its attempts: the
    same configuration, deadline, retry rules, typed errors and key hygiene as a chat call,
    without streaming, resume or route fallback. After the drivers ran its
    :meth:`~.flow.BaseExchange.steps`, :attr:`value` holds the decoded answer.

    Attributes:
        method, path, body, params: the request.
        facts: what the last response's headers said (see ``response_facts``).
        value: the decoded JSON of the successful answer.
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
        super().__init__(
            config,
            stream=False,
            timeouts=timeouts,
            deadline=deadline,
            extra_headers=extra_headers,
            clock=clock,
            wall=wall,
        )
        self.method = method
        self.path = path
        self.body = body
        self.params = params
        self.facts: dict[str, Any] = {}
        self.value: Any = None
        self._failure: LemonDataError | None = None

    def next_request(self) -> HTTPRequest:
        """The request to send (again)."""
        self.deadline.start()
        self._failure = None
        url = self.config.base_url + self.path
        return HTTPRequest(
            self.method, url, self.body, self.params, self._headers, self._timeouts()
        )

    def open(self, status: int, headers: Mapping[str, str]) -> ReadMode:
        """Every answer is read whole."""
        self._status, self._response_headers = status, headers
        self.facts = response_facts(headers)
        return "whole"

    def read_whole(self, content: bytes) -> list[StreamEvent]:
        """Decode the answer into :attr:`value`, or keep the typed error of any other."""
        self._failure = self._failure_of(content)
        return []

    def _failure_of(self, content: bytes) -> LemonDataError | None:
        status, headers = self._status, self._response_headers
        if status >= 400:
            return api_error(status, headers, content, now=self._wall())
        if body_too_deep(content):  # refused the same way at any stack depth (wire.nesting)
            return MalformedResponseError(depth_error(f"the answer to {self.method} {self.path}"))
        try:
            value = json.loads(content)
        except (ValueError, RecursionError):
            return not_json(headers.get("content-type", ""), content, f"{self.method} {self.path}")
        if isinstance(value, dict) and value.get("error"):
            return api_error(status, headers, content, now=self._wall())
        self.value = value
        return None

    def check(self) -> None:
        """Raise the typed error of the answer, if it was one."""
        if self._failure is not None:
            raise self._failure


def not_json(content_type: str, head: bytes, what: str) -> MalformedResponseError:
    """The error of an answer to a JSON call (``what``: its method and path) that is not
    JSON."""
    snippet = head[:200].decode("utf-8", "replace")
    return MalformedResponseError(
        f"the answer to {what} is not valid JSON ({content_type or 'no content type'}): {snippet!r}"
    )
