"""Gemini's two stream framings, read incrementally and pure (bytes in).

``streamGenerateContent?alt=sse`` answers server-sent events (one ``data:`` line per
``GenerateContentResponse``); without ``alt=sse`` the same endpoint answers one JSON array
of those objects, pretty-printed and sent as it is produced
(``tests/recordings/gemini/wire/*json-array*``: elements joined by ``"\\n,\\r\\n"``), and
``generateContent`` answers one JSON object. :class:`GeminiBodyDecoder` tells them apart
by the body's first byte that is not whitespace (``[`` an array, ``{`` an object, anything
else SSE) and gives every element in the shape the SSE decoder gives events, so the parser
maps them the same way.

:class:`JSONArrayDecoder` finds each top-level element of the array without parsing it:
it tracks only nesting depth and whether it is inside a string (and after a backslash),
over bytes, so an element split anywhere across network chunks (inside a multi-byte
character too) is passed on whole, decoded once.
"""

from __future__ import annotations

import re

from lemon_adapters.core.errors import MalformedStreamError
from lemon_adapters.core.wire.sse import Fields, ServerSentEvent, SSEDecoder

_WS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
#: The bytes that change the scanner's state; everything else is copied.
_SPECIAL = re.compile(rb'[\[\]{}"\\]')
#: Inside a string only a quote or a backslash matters.
_IN_STRING = re.compile(rb'["\\]')


class JSONArrayDecoder:
    """Bytes of one JSON array in, each top-level element's JSON text out.

    Attributes:
        error: the framing error that stopped the body (sticky, as in the SSE decoder).
        comments: always 0 (the SSE decoder's keep-alive count, for the parser).
    """

    __slots__ = (
        "_closed",
        "_depth",
        "_escape",
        "_opened",
        "_piece",
        "_string",
        "comments",
        "error",
    )

    def __init__(self) -> None:
        self._opened = False  # the array's "[" was seen
        self._closed = False  # its "]" was seen
        self._depth = 0  # nesting inside the current element
        self._string = False
        self._escape = False
        self._piece: list[bytes] = []  # the current element so far
        self.comments = 0
        self.error: MalformedStreamError | None = None

    def decode_fields(self, chunk: bytes) -> list[Fields]:
        """Feed one chunk; return the elements it completed as ``("message", json, "", None)``."""
        if self.error is not None:
            raise self.error
        out: list[Fields] = []
        try:
            self._scan(chunk, out)
        except MalformedStreamError as exc:
            self.error = exc
        return out

    def _scan(self, chunk: bytes, out: list[Fields]) -> None:
        pos = 0
        end = len(chunk)
        while pos < end:
            if self._depth == 0:
                pos = self._between(chunk, pos)
                continue
            start = pos
            while pos < end:
                if self._escape:  # the byte after a backslash, whatever it is
                    self._escape = False
                    pos += 1
                    continue
                found = (_IN_STRING if self._string else _SPECIAL).search(chunk, pos)
                if found is None:
                    pos = end
                    continue
                byte = chunk[found.start()]
                pos = found.end()
                if byte == 0x5C:  # backslash
                    self._escape = True
                elif byte == 0x22:  # a quote opens or closes a string
                    self._string = not self._string
                elif byte in (0x7B, 0x5B):  # { [
                    self._depth += 1
                elif byte in (0x7D, 0x5D):  # } ]
                    self._depth -= 1
                    if self._depth == 0:
                        self._piece.append(chunk[start:pos])
                        self._emit(out)
                        break
            else:
                self._piece.append(chunk[start:pos])

    def _between(self, chunk: bytes, pos: int) -> int:
        """Outside any element: whitespace, the array's brackets and the commas."""
        byte = chunk[pos]
        if byte in _WS:
            return pos + 1
        if not self._opened:
            if byte != 0x5B:
                raise MalformedStreamError(
                    f"a JSON-array body that does not start with '[': {chunk[pos : pos + 40]!r}"
                )
            self._opened = True
            return pos + 1
        if self._closed:
            raise MalformedStreamError(
                f"text after the end of a JSON-array body: {chunk[pos : pos + 40]!r}"
            )
        if byte == 0x2C:  # ,
            return pos + 1
        if byte == 0x5D:  # ]
            self._closed = True
            return pos + 1
        if byte == 0x7B:  # an element starts
            self._depth = 1
            self._piece.append(b"{")
            return pos + 1
        raise MalformedStreamError(
            f"a JSON-array element that is not an object: {chunk[pos : pos + 40]!r}"
        )

    def _emit(self, out: list[Fields]) -> None:
        raw = b"".join(self._piece)
        self._piece.clear()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            snippet = raw[max(0, exc.start - 20) : exc.end + 20]
            raise MalformedStreamError(
                f"a JSON-array element is not valid UTF-8 at byte {exc.start}: {snippet!r}"
            ) from exc
        out.append(("message", text, "", None))

    def flush(self) -> list[ServerSentEvent]:
        """End of body. An element or the array left open is a truncated body: the parser
        reports it as incomplete unless the answer already finished."""
        if self.error is not None:
            raise self.error
        self._piece.clear()
        return []


class _ObjectDecoder:
    """A body that is one JSON object (``generateContent``): buffered, given at the end."""

    __slots__ = ("_parts", "comments", "error")

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.comments = 0
        self.error: MalformedStreamError | None = None

    def decode_fields(self, chunk: bytes) -> list[Fields]:
        self._parts.append(chunk)
        return []

    def flush(self) -> list[ServerSentEvent]:
        raw = b"".join(self._parts).strip(_WS)
        self._parts.clear()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedStreamError(
                f"a JSON body that is not valid UTF-8 at byte {exc.start}"
            ) from exc
        return [ServerSentEvent("message", text, "", None)] if text else []


class GeminiBodyDecoder:
    """SSE, a JSON array or one JSON object, told apart by the body's first byte.

    Attributes:
        framing: ``"sse"``, ``"json-array"`` or ``"json"`` once known, else ``None``.
    """

    __slots__ = ("_head", "_inner", "framing")

    def __init__(self) -> None:
        self._head: list[bytes] = []  # bytes before the first non-whitespace byte
        self._inner: SSEDecoder | JSONArrayDecoder | _ObjectDecoder | None = None
        self.framing: str | None = None

    @property
    def error(self) -> MalformedStreamError | None:
        return None if self._inner is None else self._inner.error

    @property
    def comments(self) -> int:
        return 0 if self._inner is None else self._inner.comments

    def decode_fields(self, chunk: bytes) -> list[Fields]:
        """Feed one chunk; return the events or elements it completed."""
        if self._inner is None:
            self._head.append(chunk)
            head = b"".join(self._head)
            body = head[3:] if head.startswith(_BOM) else head
            if _BOM.startswith(head) or not body.strip(_WS):
                return []  # nothing to tell the framing by yet
            self._head.clear()
            first = body.lstrip(_WS)[:1]
            if first == b"[":
                self._inner, self.framing = JSONArrayDecoder(), "json-array"
                chunk = body
            elif first == b"{":
                self._inner, self.framing = _ObjectDecoder(), "json"
                chunk = body
            else:
                self._inner, self.framing = SSEDecoder(), "sse"
                chunk = head
        return self._inner.decode_fields(chunk)

    def flush(self) -> list[ServerSentEvent]:
        """End of body."""
        if self._inner is None:
            return []
        return self._inner.flush()
