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

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError
from lemon_adapters.core.wire.nesting import depth_error, line_too_deep

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
loads_json: Callable[[str], Any] = JSON_DECODERS.get("msgspec", _loads_stdlib)


def json_decoder(name: str | None = None) -> str:
    """The JSON reader the stream parsers use; with ``name``, switch to it first.

    The default is msgspec when it is installed (``pip install 'lemon-adapters[fast]'``,
    about half the cost per chunk of the standard library's C scanner), else the standard
    library; the environment variable ``LEMON_ADAPTERS_JSON=stdlib`` chooses the standard
    library anyway. Both give the same objects and the same errors.

    Raises:
        ValueError: ``name`` is not one of :data:`JSON_DECODERS`.
    """
    global loads_json
    if name is not None:
        if name not in JSON_DECODERS:
            known = ", ".join(sorted(JSON_DECODERS))
            hint = " (pip install 'lemon-adapters[fast]')" if name == "msgspec" else ""
            raise ValueError(f"unknown JSON decoder {name!r}: available {known}{hint}")
        loads_json = JSON_DECODERS[name]
    return next(k for k, v in JSON_DECODERS.items() if v is loads_json)


def _from_environment() -> None:
    name = os.environ.get("LEMON_ADAPTERS_JSON", "").strip()
    if not name:
        return
    try:
        json_decoder(name)
    except ValueError as exc:
        warnings.warn(f"LEMON_ADAPTERS_JSON ignored: {exc}", stacklevel=1)


_from_environment()


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
    if line_too_deep(data):
        raise MalformedStreamError(f"{depth_error(f'a {what} data line')}: {data[:200]!r}")
    try:
        obj = loads_json(data)
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
