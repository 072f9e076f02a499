"""lemon-adapters: stream LemonData into agent frameworks, fast and faithfully.

The core (this package's top level) has no framework dependency; the adapters live in
:mod:`lemon_adapters.langchain`, :mod:`lemon_adapters.llama_index`,
:mod:`lemon_adapters.pydantic_ai` and :mod:`lemon_adapters.openai_agents`, the testing kit
in :mod:`lemon_adapters.testing`. The clients (and so
httpx) load on first use: ``import lemon_adapters`` stays cheap for code that only needs
the events, errors or results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lemon_adapters.core.wire.accumulate import StreamResult, ToolCall

from ._version import __version__
from .core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChannelsUnavailableError,
    ConfigurationError,
    ConflictError,
    ContextLengthError,
    IncompleteStreamError,
    InsufficientCreditsError,
    InternalServerError,
    LemonDataError,
    MalformedResponseError,
    MalformedStreamError,
    ModelNotAllowedError,
    ModelNotFoundBadRequestError,
    ModelNotFoundError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    SpendLimitError,
    StreamDisconnectedError,
    StreamError,
    UnprocessableEntityError,
)
from .core.events import (
    Api,
    ApiChoice,
    BlockDone,
    Citation,
    Finish,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageIteration,
    UsageReported,
)
from .core.tokens import count_message_tokens, count_tokens

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Api",
    "ApiChoice",
    "AsyncLemonDataClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "BlockDone",
    "ChannelsUnavailableError",
    "Citation",
    "ConfigurationError",
    "ConflictError",
    "ContextLengthError",
    "EmbeddingResult",
    "Finish",
    "FinishReason",
    "IncompleteStreamError",
    "InsufficientCreditsError",
    "InternalServerError",
    "LemonDataClient",
    "LemonDataError",
    "MalformedResponseError",
    "MalformedStreamError",
    "ModelInfo",
    "ModelNotAllowedError",
    "ModelNotFoundBadRequestError",
    "ModelNotFoundError",
    "ModelPrice",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningDelta",
    "RefusalDelta",
    "RerankHit",
    "RerankResult",
    "ResponseStarted",
    "ResponseStream",
    "RetryPolicy",
    "ServerToolCall",
    "ServerToolResult",
    "SpendLimitError",
    "StreamDisconnectedError",
    "StreamError",
    "StreamEvent",
    "StreamResult",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "UnprocessableEntityError",
    "Usage",
    "UsageIteration",
    "UsageReported",
    "__version__",
    "count_message_tokens",
    "count_tokens",
]

if TYPE_CHECKING:
    from lemon_adapters.core.endpoints.models import ModelInfo
    from lemon_adapters.core.endpoints.pricing import ModelPrice
    from lemon_adapters.core.endpoints.retrieval import EmbeddingResult, RerankHit, RerankResult
    from lemon_adapters.core.http.retry import RetryPolicy

    from .core.client import (
        AsyncLemonDataClient,
        AsyncResponseStream,
        LemonDataClient,
        ResponseStream,
    )

_LAZY = {
    "AsyncLemonDataClient": ".core.client",
    "AsyncResponseStream": ".core.client",
    "LemonDataClient": ".core.client",
    "ResponseStream": ".core.client",
    "RetryPolicy": ".core.http.retry",
    "ModelInfo": ".core.endpoints.models",
    "ModelPrice": ".core.endpoints.pricing",
    "EmbeddingResult": ".core.endpoints.retrieval",
    "RerankHit": ".core.endpoints.retrieval",
    "RerankResult": ".core.endpoints.retrieval",
}


def __getattr__(name: str) -> Any:
    """Import the client classes on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
