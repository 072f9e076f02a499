"""What LlamaIndex needs to know about a model name, without asking the server.

LlamaIndex sizes prompts from ``LLMMetadata.context_window``; its own fallback (3,900
tokens) makes retrievers and chat memories throw most of their context away, and
``OpenAILike`` also reports ``is_function_calling_model=False``, which turns agents into
ReAct text parsers. The facts come from the package's model-family table
(:mod:`lemon_adapters.core.profiles`, the same one ``ChatLemonData.profile`` reads); a name
the table does not know gets :data:`DEFAULT_CONTEXT_WINDOW` and is taken to call functions,
and an explicit ``context_window=`` always wins.
"""

from __future__ import annotations

from ..core.profiles import profile_for

DEFAULT_CONTEXT_WINDOW = 128_000
"""Context window for names not in the table: generous, since modern models exceed it."""


def context_window_for(model: str) -> int:
    """The context window for ``model`` from the table, else :data:`DEFAULT_CONTEXT_WINDOW`."""
    profile = profile_for(model) or {}
    window = profile.get("max_input_tokens")
    return window if isinstance(window, int) and window > 0 else DEFAULT_CONTEXT_WINDOW


def calls_functions(model: str) -> bool:
    """``False`` only for a family the table says cannot call tools."""
    return (profile_for(model) or {}).get("tool_calling") is not False
