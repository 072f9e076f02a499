"""LangChain adapter: :class:`ChatLemonData`, a ``BaseChatModel`` for the LemonData gateway.

Importing this module needs ``langchain-core`` (``pip install "lemon-adapters[langchain]"``);
``import lemon_adapters`` alone never imports LangChain.
"""

from __future__ import annotations

from .chat_models import ChatLemonData
from .errors import (
    LemonDataAPIStatusError,
    LemonDataAuthenticationError,
    LemonDataBadRequestError,
    LemonDataConflictError,
    LemonDataConnectionError,
    LemonDataContextOverflowError,
    LemonDataIncompleteStreamError,
    LemonDataInsufficientCreditsError,
    LemonDataInternalServerError,
    LemonDataMalformedStreamError,
    LemonDataNotFoundError,
    LemonDataPermissionDeniedError,
    LemonDataRateLimitError,
    LemonDataStreamDisconnectedError,
    LemonDataStreamError,
    LemonDataTimeoutError,
    LemonDataUnprocessableEntityError,
)

__all__ = [
    "ChatLemonData",
    "LemonDataAPIStatusError",
    "LemonDataAuthenticationError",
    "LemonDataBadRequestError",
    "LemonDataConflictError",
    "LemonDataConnectionError",
    "LemonDataContextOverflowError",
    "LemonDataIncompleteStreamError",
    "LemonDataInsufficientCreditsError",
    "LemonDataInternalServerError",
    "LemonDataMalformedStreamError",
    "LemonDataNotFoundError",
    "LemonDataPermissionDeniedError",
    "LemonDataRateLimitError",
    "LemonDataStreamDisconnectedError",
    "LemonDataStreamError",
    "LemonDataTimeoutError",
    "LemonDataUnprocessableEntityError",
]
