"""Key hygiene: the exact API key replaced in every field of an error (servers do echo keys,
e.g. "Incorrect API key provided: ..."), and a key-free ``repr`` (pure)."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.errors import LemonDataError


def scrub(error: LemonDataError, key: str | None) -> None:
    """Replace the exact API key everywhere in ``error`` (servers do echo keys)."""
    if not key or len(key) < 4:
        return
    error.message = error.message.replace(key, "***")
    error.args = (error.message,)
    for name in ("body", "hint", "did_you_mean", "suggestions", "suggestions_raw", "param"):
        setattr(error, name, _scrubbed(getattr(error, name), key))
    for name in ("code", "type", "alternatives", "extra"):
        setattr(error, name, _scrubbed(getattr(error, name), key))


def _scrubbed(value: Any, key: str) -> Any:
    """``value`` with ``key`` replaced in every string, however deep (no recursion: error
    bodies come from the network and may nest past Python's recursion limit)."""
    if isinstance(value, str):
        return value.replace(key, "***")
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, slot = stack.pop()
        item = holder[slot]
        if isinstance(item, str):
            holder[slot] = item.replace(key, "***")
        elif isinstance(item, dict):
            mapping = holder[slot] = {
                k.replace(key, "***") if isinstance(k, str) else k: v for k, v in item.items()
            }
            stack.extend((mapping, k) for k in mapping)
        elif isinstance(item, list):
            items = holder[slot] = list(item)
            stack.extend((items, i) for i in range(len(items)))
    return root[0]
