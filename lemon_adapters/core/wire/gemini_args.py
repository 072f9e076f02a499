"""Gemini's streamed function-call arguments (Vertex AI ``streamFunctionCallArguments``),
put back together by JSON path (pure).

A streamed call starts with ``{"name", "willContinue": true}``; then ``partialArgs``
entries each set one value at a ``jsonPath`` (``$.city``, ``$.items[0].id``) as a
``stringValue``, ``numberValue``, ``boolValue`` or ``nullValue``; a string with
``willContinue`` grows over the next entries for the same path; an empty ``functionCall``
(or one without ``willContinue``) ends the call
(``tests/recordings/gemini/wire/*partialArgs*``).
"""

from __future__ import annotations

import itertools
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError


class StreamedCall:
    """A function call whose arguments stream as ``partialArgs``."""

    __slots__ = ("api_id", "args", "index", "name", "open_path", "signature")

    def __init__(self, index: int, name: str, api_id: str | None, signature: str | None) -> None:
        self.index = index
        self.name = name
        self.api_id = api_id
        self.signature = signature
        self.args: dict[str, Any] = {}
        self.open_path: str | None = None  # a string value still growing (willContinue)


def apply_partial(state: StreamedCall, arg: dict[str, Any]) -> None:
    """Set one ``partialArgs`` value at its JSON path; a string with ``willContinue`` grows
    over the next pieces."""
    path = arg.get("jsonPath")
    if type(path) is not str:
        raise MalformedStreamError(f"a partialArgs entry without a jsonPath: {arg!r:.200}")
    if "stringValue" in arg:
        piece = arg["stringValue"]
        if type(piece) is not str:
            raise MalformedStreamError(f"partialArgs stringValue is not text: {piece!r:.100}")
        value: Any = piece
        if state.open_path == path:
            value = _get(state.args, path) + piece
    elif "numberValue" in arg:
        value = arg["numberValue"]
    elif "boolValue" in arg:
        value = arg["boolValue"]
    elif "nullValue" in arg:
        value = None
    else:
        value = None
    _set(state.args, path, value)
    state.open_path = path if arg.get("willContinue") else None


def _steps(path: str) -> list[str | int]:
    """``$.a.b[2].c`` -> ``["a", "b", 2, "c"]``."""
    if not path.startswith("$"):
        raise MalformedStreamError(f"a partialArgs jsonPath that is not rooted at $: {path!r}")
    steps: list[str | int] = []
    for piece in path[1:].replace("[", ".[").split("."):
        if not piece:
            continue
        if piece.startswith("[") and piece.endswith("]"):
            inner = piece[1:-1]
            steps.append(int(inner) if inner.isdigit() else inner.strip("'\""))
        else:
            steps.append(piece)
    return steps


def _get(root: dict[str, Any], path: str) -> Any:
    node: Any = root
    for step in _steps(path):
        node = node[step]
    return node


def _set(root: dict[str, Any], path: str, value: Any) -> None:
    steps = _steps(path)
    if not steps:
        raise MalformedStreamError(f"a partialArgs jsonPath naming no field: {path!r}")
    node: Any = root
    for step, following in itertools.pairwise(steps):
        fresh: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append(None)
            if node[step] is None:
                node[step] = fresh
        elif step not in node:
            node[step] = fresh
        node = node[step]
    last = steps[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
