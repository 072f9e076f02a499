"""Core errors as exceptions that LangChain code can catch.

langchain-core asks integrations to raise subclasses of its model error classes that also
inherit the provider's own exception type. Each class here inherits the core class (so
``except lemon_adapters.RateLimitError`` works) and the matching
``langchain_core.exceptions`` class (so ``except ModelRateLimitError`` works too), and keeps
every attribute of the original: LemonData's hints, ``retryable``, ``request_id``, and
``partial``. Errors raised after the stream started also carry ``partial_message``, the
``AIMessage`` accumulated up to the failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.messages import AIMessage, BaseMessage

if TYPE_CHECKING:
    from langchain_core.exceptions import ModelRefusalError as ModelRefusalError
else:
    try:  # langchain-core >= 1.7.5
        from langchain_core.exceptions import ModelRefusalError
    except ImportError:  # the package's floor, 1.6: the same name, as a parsing error
        from langchain_core.exceptions import OutputParserException

        class ModelRefusalError(OutputParserException):
            """The model declined to produce the requested output (langchain-core's
            ``ModelRefusalError`` before 1.7.5 had it; with 1.7.5 and later, that class
            itself is raised). A subclass of ``OutputParserException``, so code that
            caught the parsing error a refusal used to cause still catches it."""

            def __init__(
                self,
                message: str = "Model refused to produce the requested output",
                *,
                raw_message: BaseMessage | None = None,
            ) -> None:
                self.raw_message = raw_message
                super().__init__(message)


from lemon_adapters.core import errors as core

from ._convert import result_to_message


class LemonDataAuthenticationError(core.AuthenticationError, ModelAuthenticationError):
    """HTTP 401, catchable as ``ModelAuthenticationError``."""


class LemonDataPermissionDeniedError(core.PermissionDeniedError, ModelPermissionDeniedError):
    """HTTP 403, catchable as ``ModelPermissionDeniedError``."""


class LemonDataModelNotAllowedError(core.ModelNotAllowedError, ModelPermissionDeniedError):
    """``model_not_allowed`` (403), catchable as ``ModelPermissionDeniedError``."""


class LemonDataBadRequestError(core.BadRequestError, ModelInvalidRequestError):
    """HTTP 400, catchable as ``ModelInvalidRequestError``."""


class LemonDataContextOverflowError(core.ContextLengthError, ContextOverflowError):
    """``context_length_exceeded``: the prompt exceeds the model's context, catchable as
    ``ContextOverflowError`` (what langchain's summarization middleware reacts to)."""


class LemonDataUnprocessableEntityError(core.UnprocessableEntityError, ModelInvalidRequestError):
    """HTTP 422, catchable as ``ModelInvalidRequestError``."""


class LemonDataPayloadTooLargeError(core.PayloadTooLargeError, ModelInvalidRequestError):
    """HTTP 413, catchable as ``ModelInvalidRequestError``."""


class LemonDataNotFoundError(core.NotFoundError, ModelNotFoundError):
    """HTTP 404 (an unknown route or resource), as ``ModelNotFoundError``."""


class LemonDataModelNotFoundError(core.ModelNotFoundError, ModelNotFoundError):
    """``model_not_found`` (see ``did_you_mean``), as langchain's ``ModelNotFoundError``."""


class LemonDataModelNotFoundBadRequestError(
    core.ModelNotFoundBadRequestError, ModelNotFoundError, ModelInvalidRequestError
):
    """``model_not_found`` sent as a 400: as ``ModelNotFoundError`` and as
    ``ModelInvalidRequestError``, and the core's ``BadRequestError``."""


class LemonDataRateLimitError(core.RateLimitError, ModelRateLimitError):
    """HTTP 429, catchable as ``ModelRateLimitError``."""


class LemonDataInternalServerError(core.InternalServerError, ModelAPIError):
    """HTTP 5xx, catchable as ``ModelAPIError``."""


class LemonDataChannelsUnavailableError(core.ChannelsUnavailableError, ModelAPIError):
    """``all_channels_failed`` (503; ``alternatives`` names other models), as ``ModelAPIError``."""


class LemonDataInsufficientCreditsError(core.InsufficientCreditsError, ModelError):
    """HTTP 402 (``balance_usd``, ``estimated_cost_usd``), catchable as ``ModelError``."""


class LemonDataSpendLimitError(core.SpendLimitError, ModelError):
    """``quota_exceeded`` (402): the key's spend limit, catchable as ``ModelError``."""


class LemonDataConflictError(core.ConflictError, ModelError):
    """HTTP 409, catchable as ``ModelError``."""


class LemonDataAPIStatusError(core.APIStatusError, ModelError):
    """Another HTTP error status, catchable as ``ModelError``."""


class LemonDataConnectionError(core.APIConnectionError, ModelConnectionError):
    """The request could not be sent, as ``ModelConnectionError``."""


class LemonDataStreamDisconnectedError(core.StreamDisconnectedError, ModelConnectionError):
    """The connection dropped mid-stream, as ``ModelConnectionError``."""


class LemonDataTimeoutError(core.APITimeoutError, ModelTimeoutError):
    """A timeout, catchable as ``ModelTimeoutError``."""


class LemonDataStreamError(core.StreamError, ModelAPIError):
    """The server reported an error inside a 200 stream, as ``ModelAPIError``."""


class LemonDataIncompleteStreamError(core.IncompleteStreamError, ModelAPIError):
    """The stream ended without a terminal event, as ``ModelAPIError``."""


class LemonDataMalformedStreamError(core.MalformedStreamError, ModelAPIError):
    """The body was not a valid event stream, as ``ModelAPIError``."""


# Most specific core class first: the first isinstance match wins.
_MAP: tuple[tuple[type[core.LemonDataError], type[core.LemonDataError]], ...] = (
    (core.ModelNotFoundBadRequestError, LemonDataModelNotFoundBadRequestError),
    (core.ModelNotFoundError, LemonDataModelNotFoundError),
    (core.ContextLengthError, LemonDataContextOverflowError),
    (core.ModelNotAllowedError, LemonDataModelNotAllowedError),
    (core.SpendLimitError, LemonDataSpendLimitError),
    (core.ChannelsUnavailableError, LemonDataChannelsUnavailableError),
    (core.AuthenticationError, LemonDataAuthenticationError),
    (core.PermissionDeniedError, LemonDataPermissionDeniedError),
    (core.BadRequestError, LemonDataBadRequestError),
    (core.UnprocessableEntityError, LemonDataUnprocessableEntityError),
    (core.PayloadTooLargeError, LemonDataPayloadTooLargeError),
    (core.NotFoundError, LemonDataNotFoundError),
    (core.RateLimitError, LemonDataRateLimitError),
    (core.InternalServerError, LemonDataInternalServerError),
    (core.InsufficientCreditsError, LemonDataInsufficientCreditsError),
    (core.ConflictError, LemonDataConflictError),
    (core.APIStatusError, LemonDataAPIStatusError),
    (core.StreamDisconnectedError, LemonDataStreamDisconnectedError),
    (core.APIConnectionError, LemonDataConnectionError),
    (core.APITimeoutError, LemonDataTimeoutError),
    (core.StreamError, LemonDataStreamError),
    (core.IncompleteStreamError, LemonDataIncompleteStreamError),
    (core.MalformedStreamError, LemonDataMalformedStreamError),
)


def to_langchain_error(exc: core.LemonDataError, model: str) -> core.LemonDataError:
    """The LangChain-catchable twin of ``exc``, with every attribute kept.

    ``ConfigurationError`` (raised before any request) and already-translated errors are
    returned unchanged.
    """
    if isinstance(exc, ModelError | core.ConfigurationError):
        return exc
    target = next((lc for c, lc in _MAP if isinstance(exc, c)), None)
    if target is None:
        return exc
    new = target.__new__(target)
    new.__dict__.update(exc.__dict__)
    new.args = exc.args
    new.is_retryable = exc.retryable  # type: ignore[attr-defined]
    new.partial_message = partial_message(exc, model)  # type: ignore[attr-defined]
    return new


@contextmanager
def translated_errors(model: str) -> Iterator[None]:
    """The adapter's one translation point: core errors leave as LangChain model errors."""
    try:
        yield
    except core.LemonDataError as exc:
        new = to_langchain_error(exc, model)
        if new is exc:
            raise
        raise new from exc


def partial_message(exc: core.LemonDataError, model: str) -> AIMessage | None:
    """The ``AIMessage`` accumulated before ``exc`` ended the stream, if any."""
    if exc.partial is None:
        return None
    return result_to_message(exc.partial, model)
