"""The exception tree. Every error the package raises is a :class:`LemonDataError`::

    LemonDataError                      message, code, type, param, status_code, request_id,
    │                                   did_you_mean, suggestions, hint, retryable,
    │                                   retry_after, partial, output_received, body
    ├── ConfigurationError              missing API key, bad option (raised before I/O)
    ├── APIStatusError                  HTTP status >= 400, body parsed for LemonData's hints
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── InsufficientCreditsError    402
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404 (model_not_found carries did_you_mean)
    │   ├── ConflictError               409
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429 (retry_after from Retry-After / the body)
    │   └── InternalServerError         >= 500
    ├── APIConnectionError              could not connect / send
    │   └── StreamDisconnectedError     the connection dropped mid-stream
    ├── APITimeoutError                 connect or idle-read timeout; the overall deadline
    │                                   (code="deadline_exceeded", never retried)
    ├── StreamError                     the server reported an error inside a 200 stream
    ├── IncompleteStreamError           the body ended without a terminal event
    └── MalformedStreamError            not SSE, invalid JSON, invalid UTF-8, wrong content type

Errors raised after the stream started carry ``partial``: the
:class:`~lemon_adapters.core.accumulate.StreamResult` accumulated up to the failure, and
``output_received``: whether any text, reasoning or tool-call delta had been produced, so a
caller can decide between resuming and asking again. ``retryable`` says whether the client
would re-send (before the first event) -- see :mod:`lemon_adapters.core.retry` for the rules;
a LemonData body's ``retryable`` overrides the status-based default.

The API key never appears in any of this text: the clients replace the exact key in every
field of an error (servers do echo keys, e.g. "Incorrect API key provided: ..."), and
:func:`redact` scrubs anything that looks like a bearer token as a last line of defence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accumulate import StreamResult

_SECRET = re.compile(r"(sk-|Bearer\s+)[A-Za-z0-9_\-.]{6,}")


def redact(text: str) -> str:
    """Replace anything shaped like an API key or bearer token with a placeholder."""
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class LemonDataError(Exception):
    """Base class of every lemon_adapters error.

    Attributes mirror LemonData's error JSON (``{"error": {message, type, code, param,
    did_you_mean, suggestions, hint, retryable, retry_after}}``) plus transport facts.
    """

    retryable_default = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        did_you_mean: str | None = None,
        suggestions: list[Any] | None = None,
        hint: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        partial: StreamResult | None = None,
        output_received: bool = False,
        body: Any = None,
    ) -> None:
        self.message = redact(message)
        super().__init__(self.message)
        self.status_code = status_code
        self.code = code
        self.type = type
        self.param = param
        self.did_you_mean = did_you_mean
        self.suggestions = suggestions
        self.hint = hint
        self.retryable = self.retryable_default if retryable is None else retryable
        self.retry_after = retry_after
        self.request_id = request_id
        self.partial = partial
        self.output_received = output_received
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.insert(0, f"[{self.status_code}]")
        if self.code:
            parts.append(f"(code={self.code})")
        if self.did_you_mean:
            parts.append(f"Did you mean {self.did_you_mean!r}?")
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        if self.request_id:
            parts.append(f"(request_id={self.request_id})")
        return redact(" ".join(parts))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigurationError(LemonDataError):
    """A missing API key or an invalid option, found before any request is sent."""


class APIStatusError(LemonDataError):
    """The server answered with an HTTP error status."""


class BadRequestError(APIStatusError):
    """HTTP 400: the request is invalid (see ``param`` and ``hint``)."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class InsufficientCreditsError(APIStatusError):
    """HTTP 402: the account has no credit left."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key may not use this model or feature."""


class NotFoundError(APIStatusError):
    """HTTP 404: unknown model or route (``did_you_mean`` and ``suggestions`` help)."""


class ConflictError(APIStatusError):
    """HTTP 409: a conflicting request is in flight; retryable."""

    retryable_default = True


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """HTTP 429: slow down; ``retry_after`` says for how long."""

    retryable_default = True


class InternalServerError(APIStatusError):
    """HTTP 5xx: the gateway or the upstream provider failed."""

    retryable_default = True


class APIConnectionError(LemonDataError):
    """The request could not be sent or the connection failed."""

    retryable_default = True


class StreamDisconnectedError(APIConnectionError):
    """The connection dropped after the stream started; ``partial`` holds what arrived."""


class APITimeoutError(LemonDataError):
    """A connect or idle-read timeout, or the overall deadline (``code="deadline_exceeded"``)."""

    retryable_default = True


class StreamError(LemonDataError):
    """The server reported an error inside a streamed (HTTP 200) body."""


class IncompleteStreamError(LemonDataError):
    """The body ended without a terminal event: the answer in ``partial`` is truncated."""

    retryable_default = True


class MalformedStreamError(LemonDataError):
    """The body is not a valid event stream (HTML page, invalid JSON, invalid UTF-8...)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)
