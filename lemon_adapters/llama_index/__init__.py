"""LlamaIndex adapter: :class:`LemonData`, a ``FunctionCallingLLM`` for every LemonData model.

Needs ``pip install 'lemon-adapters[llamaindex]'``. Importing this module imports
``llama_index.core``; ``import lemon_adapters`` alone never does.
"""

from __future__ import annotations

from ._models import DEFAULT_CONTEXT_WINDOW, FAMILIES, context_window_for
from .base import LemonData

__all__ = ["DEFAULT_CONTEXT_WINDOW", "FAMILIES", "LemonData", "context_window_for"]
