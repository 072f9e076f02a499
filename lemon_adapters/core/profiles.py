"""What is known about a model family, without asking the server: a documented table.

A gateway serves hundreds of names, and agents need facts about them before the first
call: LangChain's ``ModelProfile`` (``max_input_tokens``, ``tool_calling``,
``structured_output``, ``reasoning_output``, ``image_inputs``...) and LlamaIndex's
``context_window``. They come from ``lemon_adapters/data/model_families.json``, one row per
family prefix (``claude-sonnet-4``, ``gpt-4o-mini``, ``gemini-2.5-flash``, ``deepseek-chat``,
``qwen3``...), compiled from the profile data LangChain's partner packages ship and
models.dev (the file says how, and each row names its sources). Nothing here changes a
request: these are facts reported to the frameworks, never a switch on behaviour.

A name matches the first row whose prefix it starts with, after lower-casing and dropping
any ``provider/`` prefix. A name no row matches has no profile: the package claims nothing
it does not know (pass ``profile=`` / ``context_window=`` to state it, or
:func:`register` a family).
"""

from __future__ import annotations

import json
import threading
from importlib import resources
from typing import Any

_lock = threading.Lock()
_extra: list[tuple[str, dict[str, Any]]] = []
_table: list[tuple[str, dict[str, Any]]] | None = None


def _rows() -> list[tuple[str, dict[str, Any]]]:
    global _table
    if _table is None:
        text = (
            resources.files("lemon_adapters")
            .joinpath("data/model_families.json")
            .read_text(encoding="utf-8")
        )
        _table = [(row["prefix"], row["profile"]) for row in json.loads(text)["families"]]
    return _table


def normalized(model: str) -> str:
    """The name a table row is matched against."""
    return (model or "").strip().lower().rsplit("/", 1)[-1]


def profile_for(model: str) -> dict[str, Any] | None:
    """The family facts for ``model`` (a fresh dict), or ``None`` if no row matches."""
    name = normalized(model)
    with _lock:
        rows = [*_extra, *_rows()]
    for prefix, profile in rows:
        if name.startswith(prefix):
            return dict(profile)
    return None


def register(prefix: str, profile: dict[str, Any]) -> None:
    """Add (or override) a family: checked before the shipped table, newest first.

    Args:
        prefix: matched against the start of the normalized model name.
        profile: ``ModelProfile`` fields (``max_input_tokens``, ``tool_calling``...).
    """
    with _lock:
        _extra.insert(0, (normalized(prefix), dict(profile)))


def families() -> list[tuple[str, dict[str, Any]]]:
    """Every row, in matching order (registered ones first)."""
    with _lock:
        return [(p, dict(f)) for p, f in [*_extra, *_rows()]]
