"""Wire values whose type the API promises and a sloppy upstream may break, read once.

The mappers index wire JSON directly, and the parser turns whatever that raises on a value
of the wrong shape into a ``MalformedStreamError`` (one translation point, free on the happy
path). What would *not* raise, but would put a value of the wrong type into a result, is
checked here, where it is cheap: once per stream (identity, finish reason, usage) or once
per tool call (id, name), never per token.

* Text fields (ids, names, models, finish reasons): a string; a number becomes its text
  (some gateways send numeric ids); anything else is a ``MalformedStreamError`` naming the
  field.
* Token counts: a non-negative ``int``; anything else (a string, a float, a negative number,
  a boolean) is dropped, never summed, and its field named in ``Usage.invalid_counts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError


def not_text(what: str, value: Any) -> MalformedStreamError:
    """The error for a field that should be text and is not (the one wording for all)."""
    return MalformedStreamError(f"{what} is a {type(value).__name__}, not text: {value!r:.100}")


def piece(value: Any, what: str) -> str:
    """A streamed piece of text: ``value`` itself, which must be a string.

    Raises:
        MalformedStreamError: ``value`` is not a string.
    """
    if type(value) is not str:
        raise not_text(what, value)
    return value


def text(value: Any, what: str) -> str | None:
    """``value`` as text: ``None`` or ``""`` -> ``None``, a number -> its text.

    Raises:
        MalformedStreamError: ``value`` is something else (a list, an object, a boolean).
    """
    if value is None or value == "":
        return None
    if type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise not_text(what, value)


class Counts:
    """Reads token counts out of a usage object, remembering the ones that were invalid."""

    __slots__ = ("invalid",)

    def __init__(self) -> None:
        self.invalid: list[str] = []

    def get(self, obj: Mapping[str, Any], key: str, path: str = "") -> int | None:
        """``obj[key]`` if it is a non-negative int; ``None`` if absent or invalid."""
        value = obj.get(key)
        if value is None:
            return None
        if type(value) is int and value >= 0:
            return value
        self.invalid.append(path + key)
        return None

    def details(self, obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        """A nested details object (``prompt_tokens_details``...), ``{}`` if absent or not an
        object (flagged)."""
        value = obj.get(key)
        if value is None or isinstance(value, dict):
            return value or {}
        self.invalid.append(key)
        return {}
