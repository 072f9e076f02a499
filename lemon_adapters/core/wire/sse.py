"""Server-sent events decoding to the WHATWG rules, incremental and pure (bytes in).

Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

Lines are split at the byte level on CR, LF and CRLF. ``bytes.splitlines`` splits on exactly
those three (unlike ``str.splitlines``, which also splits on U+2028 inside JSON text), and
UTF-8 is decoded once per dispatched event, so a multi-byte character split across network
chunks is never seen half-way.

Deliberate departures from the browser algorithm, because a model stream is not a page:

* an event still buffered at end of stream (no trailing blank line) is dispatched by
  :meth:`SSEDecoder.flush` instead of being dropped (seen on servers that close right after
  their last ``data:`` line);
* invalid UTF-8 raises :class:`~lemon_adapters.core.errors.MalformedStreamError` instead of
  being replaced with U+FFFD, so corruption is never passed on as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError
from lemon_adapters.core.wire.json_reader import JSON_DECODERS, READER, json_decoder

#: Kept importable from here, where they were first (the choice lives in :mod:`.json_reader`).
__all__ = ["JSON_DECODERS", "SSEDecoder", "ServerSentEvent", "json_decoder", "loads_object"]
from lemon_adapters.core.wire.nesting import LONG_LINE, depth_error, too_deep

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event. ``event`` is ``"message"`` when the stream named none."""

    event: str
    data: str
    id: str
    retry: int | None


#: One event as ``(event, data, id, retry)``: the fields of :class:`ServerSentEvent`.
Fields = tuple[str, str, str, "int | None"]


class SSEDecoder:
    """Bytes in, :class:`ServerSentEvent` out. Call :meth:`decode` per chunk, then :meth:`flush`.

    Attributes:
        last_event_id: the last ``id`` field seen, for reconnection.
        retry: the last valid ``retry`` field (milliseconds), or ``None``.
        comments: how many comment lines (keep-alives) were seen.
        error: the decoding error that stopped the stream, if any. ``decode`` returns the
            events completed before it and sets this; the next ``decode`` or ``flush``
            raises it. So no event that arrived intact is lost to a later corrupt one.
    """

    __slots__ = (
        "_data",
        "_event",
        "_pending",
        "_saw_cr",
        "_started",
        "comments",
        "error",
        "last_event_id",
        "retry",
    )

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # a line not yet terminated, in pieces
        self._saw_cr = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._started = False  # BOM check done
        self._data: list[bytes] = []
        self._event = b""
        self.last_event_id = ""
        self.retry: int | None = None
        self.comments = 0
        self.error: MalformedStreamError | None = None

    def decode(self, chunk: bytes) -> list[ServerSentEvent]:
        """Feed one network chunk; return the events it completed."""
        return [ServerSentEvent(*fields) for fields in self.decode_fields(chunk)]

    def decode_fields(self, chunk: bytes) -> list[Fields]:
        """:meth:`decode`, giving each event as an ``(event, data, id, retry)`` tuple.

        The stream parser uses this: building a tuple costs a fraction of building a
        frozen dataclass, and it happens once per token.
        """
        if self.error is not None:
            raise self.error
        if self._started and not self._saw_cr and b"\r" not in chunk:
            # Fast path for LF-only streams (every gateway recorded): one C-level split, no
            # CR bookkeeping. This runs once per network chunk, i.e. about once per token.
            lines = chunk.split(b"\n")
            tail = lines.pop()  # after the last LF: an unterminated line, or b""
            if not lines:
                if tail:
                    self._pending.append(tail)
                return []
            if self._pending:
                self._pending.append(lines[0])
                lines[0] = b"".join(self._pending)
                self._pending.clear()
            if tail:
                self._pending.append(tail)
            return self._lines(lines)
        if not self._started:
            if self._pending:
                chunk = b"".join(self._pending) + chunk
                self._pending.clear()
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                if chunk:
                    self._pending.append(chunk)  # too short to tell whether it is a BOM
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if not chunk:
            # Nothing to do, and above all the pending CR state must survive: an empty
            # chunk between the CR and the LF of one CRLF must not turn the LF into a
            # blank line that dispatches the event early.
            return []
        if self._saw_cr:
            self._saw_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        last = chunk[-1]
        if b"\n" not in chunk and b"\r" not in chunk:
            self._pending.append(chunk)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending.clear()
        lines = chunk.splitlines()
        if last == 13:  # CR: the LF of a CRLF may start the next chunk
            self._saw_cr = True
        elif last != 10:
            self._pending.append(lines.pop())
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[Fields]:
        """Process complete lines. ``data: `` and ``event: `` lines (nearly all of them) are
        handled inline and events dispatched inline: this loop is the per-token hot path."""
        out: list[Fields] = []
        data = self._data
        try:
            for line in lines:
                if not line:
                    if data:
                        raw = data[0] if len(data) == 1 else b"\n".join(data)
                        data.clear()
                        event = _utf8(self._event) if self._event else "message"
                        self._event = b""
                        try:
                            text = raw.decode("utf-8")
                        except UnicodeDecodeError:
                            text = _utf8(raw)  # raises MalformedStreamError with context
                        out.append((event, text, self.last_event_id, self.retry))
                    else:
                        self._event = b""
                elif line[:6] == b"data: ":
                    data.append(line[6:])
                elif line[:7] == b"event: ":
                    self._event = line[7:]
                else:
                    self._field(line)
        except MalformedStreamError as exc:
            self.error = exc
            self._pending.clear()
        return out

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: process any unterminated line and dispatch a buffered event."""
        if self.error is not None:
            raise self.error
        if not self._started and self._pending:
            tail = b"".join(self._pending)
            self._pending.clear()
            self._started = True
            if tail.startswith(_BOM):
                tail = tail[3:]
            if tail:
                self._field(tail)
        elif self._pending:
            tail = b"".join(self._pending)
            self._pending.clear()
            self._field(tail)
        if self._data:
            return [self._dispatch()]
        return []

    def _field(self, line: bytes) -> None:
        colon = line.find(b":")
        if colon == 0:
            self.comments += 1
            return
        if colon < 0:
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 1 :]
            if value[:1] == b" ":
                value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = _utf8(value)
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)

    def _dispatch(self) -> ServerSentEvent:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        self._data.clear()  # the same list object: _lines holds a reference to it
        event = _utf8(self._event) if self._event else "message"
        self._event = b""
        return ServerSentEvent(event, _utf8(data), self.last_event_id, self.retry)


def loads_object(data: str, what: str) -> dict[str, Any] | None:
    """The JSON object a ``data`` field carries; ``None`` for an empty one (a keep-alive).

    Args:
        data: the field's text.
        what: the stream's kind, for the error (``"Responses stream"``...).

    Raises:
        MalformedStreamError: invalid JSON, JSON nested past :data:`~.nesting.MAX_DEPTH`
            levels (refused before it is read, whatever the reader and the stack), or JSON
            that is not an object.
    """
    if len(data) > LONG_LINE and too_deep(data):  # nesting.line_too_deep, inline: per line
        raise MalformedStreamError(f"{depth_error(f'a {what} data line')}: {data[:200]!r}")
    try:
        obj = READER.loads(data)
    except (ValueError, RecursionError) as exc:
        if not data.strip():
            return None
        raise MalformedStreamError(f"invalid JSON in a {what} data line: {data[:200]!r}") from exc
    if type(obj) is not dict:
        raise MalformedStreamError(f"a {what} data line is not a JSON object: {data[:200]!r}")
    return obj


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        snippet = raw[max(0, exc.start - 20) : exc.end + 20]
        raise MalformedStreamError(
            f"stream is not valid UTF-8 at byte {exc.start} of an SSE field: {snippet!r}"
        ) from exc
