"""LlamaIndex adapter: :class:`LemonData`, a ``FunctionCallingLLM`` for every LemonData model.

Needs ``pip install 'lemon-adapters[llamaindex]'``. Importing this module imports
``llama_index.core``; ``import lemon_adapters`` alone never does.
"""

from __future__ import annotations

from .._extras import require

require("llamaindex", "lemon_adapters.llama_index")

from ._models import DEFAULT_CONTEXT_WINDOW, context_window_for  # noqa: E402
from ._structured import ModelRefusalError  # noqa: E402
from ._tokens import tokenizer  # noqa: E402
from .base import LemonData  # noqa: E402
from .embeddings import LemonDataEmbedding  # noqa: E402
from .rerank import LemonDataRerank  # noqa: E402

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "LemonData",
    "LemonDataEmbedding",
    "LemonDataRerank",
    "ModelRefusalError",
    "context_window_for",
    "tokenizer",
]
