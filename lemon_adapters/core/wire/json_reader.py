"""The JSON reader behind the stream parsers, and its one switch.

msgspec when it is installed (the ``fast`` extra), else the standard library's C scanner;
``LEMON_ADAPTERS_JSON=stdlib`` chooses the standard library anyway, and
:func:`json_decoder` switches at run time (the bench compares the two). Both give the same
objects and the same errors (tests/core/wire/test_json_decoders.py).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from typing import Any

# The C scanner behind json.loads (typeshed does not declare the attribute).
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads_stdlib(data: str) -> Any:
    """``json.loads(data)``, same result and same errors, without its Python-level wrapper.

    ``json.loads`` runs two regex whitespace scans and three Python calls around the C
    scanner; on a one-token chunk that is about a third of the JSON cost. Data with
    surrounding whitespace, trailing text or nothing to parse takes the ``json.loads`` path,
    so errors and edge cases are exactly its own.
    """
    try:
        obj, end = _scan_once(data, 0)
    except StopIteration:
        return json.loads(data)
    if end != len(data):
        return json.loads(data)
    return obj


def _loads_msgspec(decode: Callable[[str], Any]) -> Callable[[str], Any]:
    def loads(data: str) -> Any:
        """msgspec's decoder; anything it refuses is read again by the standard library,
        so results and errors are ``json.loads``'s own. The two agree on every document
        both accept (integers of any size included, unlike orjson, which turns integers
        past 64 bits into floats); msgspec refuses a few the standard library takes
        (``NaN``, numbers past the float range, lone surrogate escapes), and those take
        the fallback."""
        try:
            return decode(data)
        except Exception:  # the standard library decides what it was
            return _loads_stdlib(data)

    return loads


def _json_decoders() -> dict[str, Callable[[str], Any]]:
    found: dict[str, Callable[[str], Any]] = {"stdlib": _loads_stdlib}
    try:
        import msgspec.json
    except ImportError:
        return found
    found["msgspec"] = _loads_msgspec(msgspec.json.Decoder().decode)
    return found


#: The JSON readers available: ``"stdlib"`` always, ``"msgspec"`` with the ``fast`` extra.
JSON_DECODERS = _json_decoders()


class _Reader:
    """The chosen reader; the parsers call ``READER.loads`` (one attribute load per line)."""

    __slots__ = ("loads",)

    def __init__(self, loads: Callable[[str], Any]) -> None:
        self.loads = loads


#: The reader the stream parsers use (msgspec when installed); :func:`json_decoder` switches it.
READER = _Reader(JSON_DECODERS.get("msgspec", _loads_stdlib))


def loads_json(data: str) -> Any:
    """Read ``data`` with the chosen reader (``json.loads``'s results and errors)."""
    return READER.loads(data)


def json_decoder(name: str | None = None) -> str:
    """The JSON reader the stream parsers use; with ``name``, switch to it first.

    The default is msgspec when it is installed (``pip install 'lemon-adapters[fast]'``,
    about half the cost per chunk of the standard library's C scanner), else the standard
    library; the environment variable ``LEMON_ADAPTERS_JSON=stdlib`` chooses the standard
    library anyway. Both give the same objects and the same errors.

    Raises:
        ValueError: ``name`` is not one of :data:`JSON_DECODERS`.
    """
    if name is not None:
        if name not in JSON_DECODERS:
            known = ", ".join(sorted(JSON_DECODERS))
            hint = " (pip install 'lemon-adapters[fast]')" if name == "msgspec" else ""
            raise ValueError(f"unknown JSON decoder {name!r}: available {known}{hint}")
        READER.loads = JSON_DECODERS[name]
    return next(k for k, v in JSON_DECODERS.items() if v is READER.loads)


def _from_environment() -> None:
    """``LEMON_ADAPTERS_JSON`` (``stdlib`` or ``msgspec``) chooses the reader at import; an
    unknown name is ignored with a warning."""
    name = os.environ.get("LEMON_ADAPTERS_JSON", "").strip()
    if not name:
        return
    try:
        json_decoder(name)
    except ValueError as exc:
        warnings.warn(f"LEMON_ADAPTERS_JSON ignored: {exc}", stacklevel=1)


_from_environment()
