"""The exception tree, and the errors made from LemonData's error JSON.

Every error the package raises is a :class:`LemonDataError`::

    LemonDataError                      message, code, type, param, status_code, request_id,
    │                                   the hint fields (did_you_mean, suggestions, hint, ...),
    │                                   retryable, retry_after, partial, output_received, body
    ├── ConfigurationError              missing API key, bad option (raised before I/O)
    ├── APIStatusError                  HTTP status >= 400, body read for LemonData's hints
    │   ├── BadRequestError             400
    │   │   └── ContextLengthError      context_length_exceeded: the prompt does not fit
    │   ├── AuthenticationError         401 (invalid_api_key, expired_api_key)
    │   ├── InsufficientCreditsError    402 insufficient_balance / insufficient_quota
    │   │   └── SpendLimitError         402 quota_exceeded: the key's own spend limit
    │   ├── PermissionDeniedError       403
    │   │   └── ModelNotAllowedError    model_not_allowed: the key may not use this model
    │   ├── NotFoundError               404
    │   │   └── ModelNotFoundError      model_not_found, whatever the status; did_you_mean,
    │   │       │                       suggestions
    │   │       └── ModelNotFoundBadRequestError  the same sent as a 400: also a
    │   │                               BadRequestError
    │   ├── ConflictError               409
    │   ├── PayloadTooLargeError        413
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429 (retry_after from Retry-After / the body)
    │   └── InternalServerError         >= 500 (and Anthropic's 529 overloaded)
    │       └── ChannelsUnavailableError  all_channels_failed: ``retryable`` says whether
    │                                   a channel may come back (false: none configured)
    ├── APIConnectionError              could not connect / send
    │   └── StreamDisconnectedError     the connection dropped mid-stream
    ├── APITimeoutError                 connect or idle-read timeout; a stream stalled between
    │                                   events (code="stream_stalled"); the overall deadline
    │                                   (code="deadline_exceeded", never retried)
    ├── StreamError                     the server reported an error inside a 200 stream
    ├── IncompleteStreamError           the body ended without a terminal event
    └── MalformedStreamError            not SSE, invalid JSON or UTF-8, a field of the wrong
        │                               type, wrong content type, undecodable compression
        └── MalformedResponseError      the same for a JSON answer (models, embeddings, rerank)

Errors raised after the stream started carry ``partial``: the
:class:`~lemon_adapters.core.wire.accumulate.StreamResult` accumulated up to the failure, and
``output_received``: whether any text, reasoning or tool-call delta had been produced, so a
caller can decide between resuming and asking again. ``retryable`` says whether the client
would re-send (before the first event; see :mod:`lemon_adapters.core.http.retry`); a body's
explicit ``retryable`` wins over the status-based default, both ways.

LemonData's error JSON (``{"error": {...}}``, or the object itself, in HTTP error bodies,
in-stream error frames and failed responses) is read by :func:`error_fields` only (in
:mod:`lemon_adapters.core.error_body`, with the headers' request id and ``Retry-After``). The
documented pages disagree in places (``model_not_found`` as 400 or 404, ``type`` sometimes
missing, ``suggestions`` as strings or ``{"id": ...}`` objects), so every field is read
defensively: a value of the wrong type is left out, never trusted.

The API key never appears in any of this text: the clients replace the exact key in every
field of an error (servers do echo keys, e.g. "Incorrect API key provided: ..."), and
:func:`redact` scrubs anything that looks like a bearer token as a last line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lemon_adapters.core.error_body import (
    ErrorFields,
    describe_body,
    error_fields,
    loads_body,
    parse_retry_after,
    request_id_of,
    seconds,
    text_of,
)

if TYPE_CHECKING:
    from lemon_adapters.core.wire.accumulate import StreamResult

#: The tree, and the reader's names (:mod:`.error_body`), importable from here as before.
__all__ = [
    "DEADLINE_CODE",
    "RETRY_STATUSES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChannelsUnavailableError",
    "ConfigurationError",
    "ConflictError",
    "ContextLengthError",
    "ErrorFields",
    "IncompleteStreamError",
    "InsufficientCreditsError",
    "InternalServerError",
    "LemonDataError",
    "MalformedStreamError",
    "ModelNotAllowedError",
    "ModelNotFoundBadRequestError",
    "ModelNotFoundError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "SpendLimitError",
    "StreamDisconnectedError",
    "StreamError",
    "UnprocessableEntityError",
    "api_error",
    "error_fields",
    "parse_retry_after",
    "redact",
    "request_id_of",
    "seconds",
    "status_error_class",
    "stream_error",
]

_SECRET = re.compile(r"(sk-|Bearer\s+)[A-Za-z0-9_\-.]{6,}")
DEADLINE_CODE = "deadline_exceeded"
#: The code of the APITimeoutError of a stream that went ``stall_timeout`` without an event.
STALL_CODE = "stream_stalled"
#: Statuses retried by default (a body's ``retryable`` overrides): timeouts, conflicts,
#: rate limits, server errors and Anthropic's 529 "overloaded".
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


def redact(text: str) -> str:
    """Replace anything shaped like an API key or bearer token with a placeholder."""
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class LemonDataError(Exception):
    """Base class of every lemon_adapters error.

    Attributes mirror LemonData's error JSON plus transport facts:
        message, code, type, param: the error object's own fields (text).
        did_you_mean: the model name the gateway suggests instead of a misspelled one.
        suggestions: model ids the gateway suggests (``suggestions_raw``: as sent).
        alternatives: other models offered when every channel failed
            (``[{"id", "status", "tags"}]``).
        hint: what to do about it, in words.
        balance_usd, estimated_cost_usd: on 402 ``insufficient_balance``.
        retryable: whether the client would re-send; ``retry_after``: seconds to wait.
        extra: the error object's other fields, as sent.
        status_code, request_id: from the HTTP response.
        partial, output_received: what the stream produced before the failure.
        body: the parsed error body (or its text when it was not JSON).
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
        suggestions: list[str] | None = None,
        suggestions_raw: list[Any] | None = None,
        alternatives: list[dict[str, Any]] | None = None,
        hint: str | None = None,
        balance_usd: float | None = None,
        estimated_cost_usd: float | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        extra: dict[str, Any] | None = None,
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
        self.suggestions_raw = suggestions_raw
        self.alternatives = alternatives
        self.hint = hint
        self.balance_usd = balance_usd
        self.estimated_cost_usd = estimated_cost_usd
        self.retryable = self.retryable_default if retryable is None else retryable
        self.retry_after = retry_after
        self.extra = extra or {}
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


class ContextLengthError(BadRequestError):
    """The prompt does not fit the model's context (``context_length_exceeded``);
    ``suggestions`` may name models with a larger window."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong, expired or revoked."""


class InsufficientCreditsError(APIStatusError):
    """HTTP 402: the account's balance is too low (``balance_usd``,
    ``estimated_cost_usd``)."""


class SpendLimitError(InsufficientCreditsError):
    """HTTP 402 ``quota_exceeded``: this key's own spend limit is reached."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key may not use this model or feature."""


class ModelNotAllowedError(PermissionDeniedError):
    """HTTP 403 ``model_not_allowed``: the key is restricted to other models."""


class NotFoundError(APIStatusError):
    """HTTP 404: unknown model or route."""


class ModelNotFoundError(NotFoundError):
    """``model_not_found``: no such model (``did_you_mean`` and ``suggestions`` help).

    LemonData sends it as HTTP 404 or, on its Agent-First pages, as 400; the 400 one is
    also a :class:`BadRequestError`.
    """


class ConflictError(APIStatusError):
    """HTTP 409: a conflicting request is in flight; retryable."""

    retryable_default = True


class PayloadTooLargeError(APIStatusError):
    """HTTP 413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """HTTP 429: slow down; ``retry_after`` says for how long."""

    retryable_default = True


class InternalServerError(APIStatusError):
    """HTTP 5xx: the gateway or the upstream provider failed."""

    retryable_default = True


class ChannelsUnavailableError(InternalServerError):
    """``all_channels_failed``: no upstream channel answered. Retried only when the body
    says ``retryable: true``; ``false`` means no channel is configured for the model, and
    ``alternatives`` may name models that are."""


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
    """The body is not what the API promises: not an event stream, invalid JSON or UTF-8,
    a field of the wrong type, a compressed body that does not decompress."""


class MalformedResponseError(MalformedStreamError):
    """A JSON answer (models, embeddings, rerank) that is not JSON or not as documented:
    never a stream, so named for what it is; still a :class:`MalformedStreamError`, which
    these answers raised before, so existing handlers keep catching it."""


class ModelNotFoundBadRequestError(ModelNotFoundError, BadRequestError):
    """``model_not_found`` sent as HTTP 400 (LemonData's Agent-First pages): catch it as
    :class:`ModelNotFoundError` (or ``NotFoundError``) or as :class:`BadRequestError`."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

#: Codes that name what a caller acts on, whatever the status they came with.
_BY_CODE: dict[str, type[APIStatusError]] = {
    "model_not_found": ModelNotFoundError,
    "context_length_exceeded": ContextLengthError,
    "context_window_exceeded": ContextLengthError,
    "insufficient_balance": InsufficientCreditsError,
    "insufficient_quota": InsufficientCreditsError,
    "quota_exceeded": SpendLimitError,
    "model_not_allowed": ModelNotAllowedError,
    "payload_too_large": PayloadTooLargeError,
    "all_channels_failed": ChannelsUnavailableError,
    "rate_limit_exceeded": RateLimitError,
    "invalid_api_key": AuthenticationError,
    "expired_api_key": AuthenticationError,
    "access_denied": PermissionDeniedError,
}


def status_error_class(status_code: int, code: str | None = None) -> type[APIStatusError]:
    """The exception class for an HTTP error status and LemonData error ``code``."""
    by_code = _BY_CODE.get(code or "")
    if by_code is ModelNotFoundError and status_code == 400:
        return ModelNotFoundBadRequestError
    if by_code is not None:
        return by_code
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


# -- errors from error bodies (read by :mod:`.error_body`) -----------------------------------


def api_error(
    status: int, headers: Mapping[str, str], content: bytes, *, now: float | None = None
) -> APIStatusError:
    """The typed exception for an HTTP error response (status, headers, body bytes).

    Args:
        status: the HTTP status (>= 400).
        headers: the response headers (any case-insensitive mapping).
        content: the body as received (read whole, or its first bytes).
        now: the wall clock for an HTTP-date ``Retry-After`` (default: ``time.time()``).
    """
    body = loads_body(content)
    fields = error_fields(body)
    header_wait = parse_retry_after(headers, now=now)
    if header_wait is not None:
        fields.retry_after = header_wait
    if fields.retryable is None:
        fields.retryable = status in RETRY_STATUSES
    message = fields.message or f"HTTP {status}" + describe_body(
        headers.get("content-type", ""), content
    )
    cls = status_error_class(status, fields.code)
    return cls(
        message,
        status_code=status,
        request_id=request_id_of(headers) or fields.request_id,
        body=body if body is not None else content[:2000].decode("utf-8", "replace"),
        **fields.kwargs(),
    )


def stream_error(error: Any, *, frame: Any, default: str) -> StreamError:
    """The error an in-stream error frame or a failed response reports (HTTP 200 body).

    Args:
        error: the error object (a dict, or a bare message string).
        frame: the whole event or chunk that carried it, kept as ``body``.
        default: the message when the error says none.
    """
    fields = error_fields({"error": error})
    rid = fields.request_id or (
        text_of(frame.get("request_id")) if isinstance(frame, dict) else None
    )
    return StreamError(fields.message or default, body=frame, request_id=rid, **fields.kwargs())
