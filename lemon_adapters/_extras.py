"""Import-time checks for the optional framework extras, with messages that say what to do."""

from __future__ import annotations

import importlib.util
import re
from importlib.metadata import PackageNotFoundError, version

#: extra -> (importable module, distribution, lowest supported version): the same floors as
#: pyproject.toml, which the floors run (``python3 tasks.py floors``) proves.
EXTRAS = {
    "langchain": ("langchain_core", "langchain-core", "1.6"),
    "llamaindex": ("llama_index.core", "llama-index-core", "0.14.6"),
    "pydantic-ai": ("pydantic_ai", "pydantic-ai-slim", "2.0.0"),
    "openai-agents": ("agents", "openai-agents", "0.20.0"),
}


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text.split("+")[0])[:3])


def require(extra: str, adapter: str) -> None:
    """Raise an ``ImportError`` naming the extra to install if ``extra`` is missing or old.

    Args:
        extra: the extra's name in ``pyproject.toml``.
        adapter: the module that needs it, for the message.
    """
    module, distribution, lowest = EXTRAS[extra]
    install = f'pip install -U "lemon-adapters[{extra}]"'
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    if not found:
        raise ImportError(
            f"{adapter} needs {distribution}, which is not installed: {install}",
            name=module,
        )
    try:
        installed = version(distribution)
    except PackageNotFoundError:  # importable but not installed as a distribution: trust it
        return
    if _release(installed) < _release(lowest):
        raise ImportError(
            f"{adapter} needs {distribution}>={lowest}, but {installed} is installed: {install}",
            name=module,
        )
