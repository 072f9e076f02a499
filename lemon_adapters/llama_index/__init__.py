"""LlamaIndex adapter: :class:`LemonData`, a ``FunctionCallingLLM`` for every LemonData model.

Needs ``pip install 'lemon-adapters[llamaindex]'``. Importing this module imports
``llama_index.core``; ``import lemon_adapters`` alone never does.
"""

from __future__ import annotations

from .._extras import require

require("llamaindex", "lemon_adapters.llama_index")

from ._models import DEFAULT_CONTEXT_WINDOW, context_window_for  # noqa: E402
from .base import LemonData  # noqa: E402

__all__ = ["DEFAULT_CONTEXT_WINDOW", "LemonData", "context_window_for"]
