"""lemon-adapters: stream LemonData into LangChain and LlamaIndex, fast and faithfully.

The core (this package's top level) has no framework dependency; the adapters live in
:mod:`lemon_adapters.langchain` and :mod:`lemon_adapters.llama_index`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .core.accumulate import StreamResult, ToolCall
from .core.client import (
    AsyncLemonDataClient,
    AsyncResponseStream,
    LemonDataClient,
    ResponseStream,
    RetryPolicy,
)
from .core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    IncompleteStreamError,
    InsufficientCreditsError,
    InternalServerError,
    LemonDataError,
    MalformedStreamError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamDisconnectedError,
    StreamError,
    UnprocessableEntityError,
)
from .core.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    StreamEvent,
    StreamFailed,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncLemonDataClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Finish",
    "FinishReason",
    "IncompleteStreamError",
    "InsufficientCreditsError",
    "InternalServerError",
    "LemonDataClient",
    "LemonDataError",
    "MalformedStreamError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningDelta",
    "RefusalDelta",
    "ResponseStarted",
    "ResponseStream",
    "RetryPolicy",
    "StreamDisconnectedError",
    "StreamError",
    "StreamEvent",
    "StreamFailed",
    "StreamResult",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "UnprocessableEntityError",
    "Usage",
    "UsageReported",
    "__version__",
]
