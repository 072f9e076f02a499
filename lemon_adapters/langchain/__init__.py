"""LangChain adapter: :class:`ChatLemonData`, a ``BaseChatModel`` for the LemonData gateway.

Importing this module needs ``langchain-core`` (``pip install "lemon-adapters[langchain]"``);
``import lemon_adapters`` alone never imports LangChain.
"""

from __future__ import annotations

from .._extras import require

require("langchain", "lemon_adapters.langchain")

from .chat_models import ChatLemonData  # noqa: E402
from .embeddings import LemonDataEmbeddings  # noqa: E402
from .errors import (  # noqa: E402
    LemonDataAPIStatusError,
    LemonDataAuthenticationError,
    LemonDataBadRequestError,
    LemonDataChannelsUnavailableError,
    LemonDataConflictError,
    LemonDataConnectionError,
    LemonDataContextOverflowError,
    LemonDataIncompleteStreamError,
    LemonDataInsufficientCreditsError,
    LemonDataInternalServerError,
    LemonDataMalformedStreamError,
    LemonDataModelNotAllowedError,
    LemonDataModelNotFoundBadRequestError,
    LemonDataModelNotFoundError,
    LemonDataNotFoundError,
    LemonDataPayloadTooLargeError,
    LemonDataPermissionDeniedError,
    LemonDataRateLimitError,
    LemonDataSpendLimitError,
    LemonDataStreamDisconnectedError,
    LemonDataStreamError,
    LemonDataTimeoutError,
    LemonDataUnprocessableEntityError,
    ModelRefusalError,
)
from .rerank import LemonDataRerank  # noqa: E402

__all__ = [
    "ChatLemonData",
    "LemonDataAPIStatusError",
    "LemonDataAuthenticationError",
    "LemonDataBadRequestError",
    "LemonDataChannelsUnavailableError",
    "LemonDataConflictError",
    "LemonDataConnectionError",
    "LemonDataContextOverflowError",
    "LemonDataEmbeddings",
    "LemonDataIncompleteStreamError",
    "LemonDataInsufficientCreditsError",
    "LemonDataInternalServerError",
    "LemonDataMalformedStreamError",
    "LemonDataModelNotAllowedError",
    "LemonDataModelNotFoundBadRequestError",
    "LemonDataModelNotFoundError",
    "LemonDataNotFoundError",
    "LemonDataPayloadTooLargeError",
    "LemonDataPermissionDeniedError",
    "LemonDataRateLimitError",
    "LemonDataRerank",
    "LemonDataSpendLimitError",
    "LemonDataStreamDisconnectedError",
    "LemonDataStreamError",
    "LemonDataTimeoutError",
    "LemonDataUnprocessableEntityError",
    "ModelRefusalError",
]
