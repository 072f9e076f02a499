"""The nesting limit of wire JSON, so the same bytes get the same answer on every path.

The standard library's JSON reader and msgspec's recurse once per level of nesting and
share the interpreter's recursion limit with their caller (Python 3.12 and later give C
code a limit of its own). Left to them, whether a deeply nested data line parses depends
on how deep the stack already is (the parser called alone, or under a client, an event
loop and a framework) and on the Python version. So wire JSON nested past
:data:`MAX_DEPTH` levels is refused before it is parsed, the same way everywhere.
The deepest line in the recordings (tests/recordings) nests 11 levels; the limit leaves
room for deep tool schemas and arguments, and stays far enough below the default
recursion limit (1000 frames) for a caller's own stack.

On the hot path (:func:`line_too_deep`, once per data line) the check is one length test
for an ordinary line: JSON that closes more than :data:`MAX_DEPTH` levels is longer than
twice that, and shorter text nested as deep does not close, so every reader refuses it as
invalid JSON whatever the stack. A longer line is counted (``str.count`` of ``[`` and
``{``), and scanned only when it has more than :data:`MAX_DEPTH` of them.
"""

from __future__ import annotations

import re

#: The deepest nesting of arrays and objects read from the wire: ``{"a": 1}`` is 1 level,
#: ``[[1]]`` 2. Deeper JSON is a ``MalformedStreamError`` (a tool call's arguments that
#: nest deeper are not valid JSON arguments).
MAX_DEPTH = 128

# A JSON string, escapes included (unrolled, so it runs in linear time), and a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON ``text`` nests arrays and objects more than ``limit`` levels deep.

    Brackets inside strings do not count. Text that is not JSON gets an answer too (the
    reader refuses it either way).
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


#: Data lines no longer than this cannot close more than :data:`MAX_DEPTH` levels (see the
#: module docstring), so they need no count.
LONG_LINE = 2 * MAX_DEPTH


def line_too_deep(data: str) -> bool:
    """:func:`too_deep` for a data line, at the cost of a length test for most lines (see
    the module docstring for why shorter lines need no count). The parsers' hot path
    (:func:`~.sse.loads_object`) makes the same test inline, saving a call per line."""
    return len(data) > LONG_LINE and too_deep(data)


def body_too_deep(content: bytes) -> bool:
    """:func:`too_deep` for a JSON body read whole (a non-streamed answer, a JSON endpoint's
    answer, an error body): two byte counts for most bodies, a scan only past the limit."""
    if content.count(b"[") + content.count(b"{") <= MAX_DEPTH:
        return False
    return too_deep(content.decode("utf-8", "replace"))


def depth_error(what: str) -> str:
    """The words for JSON refused for its nesting (``what``: where it was)."""
    return f"{what} nests JSON more than {MAX_DEPTH} levels deep (the limit for wire JSON)"
