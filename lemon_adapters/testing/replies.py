"""What the local server answers: :class:`Reply` (scripted or recorded) and its helpers.

A reply is one of three things: a scripted answer the server renders in the wire format
of the route it was asked on (``text``, ``reasoning``, ``tool_calls``), an error status
with LemonData's error body, or a recorded body served byte for byte (``body``). Any of
them can carry a fault: a cut after ``cut_after`` body bytes, or a stall after
``stall_after`` bytes (optionally padded with the route's keep-alive frame every
``keepalive`` seconds).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import BY_STATUS, STATUS_HEADERS

#: Text as one string (the server splits it into deltas) or as the exact deltas to stream.
Pieces = str | Sequence[str]


@dataclass(kw_only=True)
class Reply:
    """What the server answers for one request.

    Attributes:
        text: the answer: a string (streamed in pieces of ``chunk_chars`` characters) or
            the exact deltas to stream.
        reasoning: reasoning streamed before the answer (empty: none), split the same way.
        tool_calls: ``(name, arguments)`` pairs; the arguments JSON (or its exact pieces)
            streams in pieces too.
        status: an HTTP error status to answer instead (with ``error`` as the body).
        error: LemonData's error object for ``status`` (see :func:`error_reply`).
        headers: extra response headers (``Retry-After``, LemonData's hint headers ...).
        body: a recorded body to serve byte for byte instead of rendering one
            (see :func:`recorded`); ``content_type`` says what it is.
        content_type: the ``Content-Type`` of ``body``.
        chunk_chars: characters per streamed delta.
        delay: seconds to wait between streamed deltas (0 for as fast as possible).
        jitter: up to this many seconds more, drawn per delta (pacing like a real model).
        input_tokens: reported prompt size.
        output_tokens: reported answer size (``None``: about four characters a token).
        cut_after: close the connection after this many bytes of the body.
        stall_after: stop sending after this many bytes of the body and hold the
            connection open until the client hangs up (or ``stall_limit`` seconds pass).
        keepalive: while stalled, send the route's keep-alive frame (an SSE comment; a
            ``ping`` event on Messages; whitespace in a Gemini JSON array) every this many
            seconds; the stall then begins at the end of the frame ``stall_after`` falls
            in, so the padding stays between frames.
        stall_limit: the longest a stall lasts.
        wire_padding: Messages only: write frames as the real API does (a ``ping`` after
            the first block opens, 0-15 spaces before each frame's closing brace; see
            tests/recordings/messages/wire).
    """

    text: Pieces = ""
    reasoning: Pieces = ""
    tool_calls: Sequence[tuple[str, Pieces]] = field(default_factory=list)
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "text/event-stream; charset=utf-8"
    chunk_chars: int = 4
    delay: float = 0.0
    jitter: float = 0.0
    input_tokens: int = 12
    output_tokens: int | None = None
    cut_after: int | None = None
    stall_after: int | None = None
    keepalive: float | None = None
    stall_limit: float = 30.0
    wire_padding: bool = False

    @property
    def full_text(self) -> str:
        """``text`` as one string."""
        return joined(self.text)

    @property
    def full_reasoning(self) -> str:
        """``reasoning`` as one string."""
        return joined(self.reasoning)

    def arguments(self) -> list[tuple[str, str]]:
        """``tool_calls`` with each call's arguments as one string."""
        return [(name, joined(args)) for name, args in self.tool_calls]

    def completion_tokens(self) -> int:
        """``output_tokens``, or an estimate of the answer's size."""
        if self.output_tokens is not None:
            return self.output_tokens
        texts = [self.full_text, self.full_reasoning, *(a for _, a in self.arguments())]
        return sum(estimate_tokens(t) for t in texts)


#: Decides each answer from ``(api, request_body)``; ``api`` names the route
#: (``"responses"``, ``"chat"``, ``"messages"``, ``"embeddings"``, ``"rerank"``, ...).
Responder = Callable[[str, dict[str, Any]], Reply]


def joined(value: Pieces) -> str:
    """Text given as a string or as pieces, as one string."""
    return value if isinstance(value, str) else "".join(value)


def deltas(value: Pieces, size: int) -> list[str]:
    """The deltas to stream: given pieces as they are, a string split by :func:`pieces`."""
    return pieces(value, size) if isinstance(value, str) else list(value)


def pieces(text: str, size: int) -> list[str]:
    """Split ``text`` into deltas of about ``size`` characters, on word edges when possible."""
    if not text:
        return []
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        token = (" " if current or out else "") + word
        if current and len(current) + len(token) > size:
            out.append(current)
            current = token
        else:
            current += token
        while len(current) > size * 3:
            out.append(current[:size])
            current = current[size:]
    if current:
        out.append(current)
    return out


def estimate_tokens(text: str) -> int:
    """About four characters a token (at least one for any text)."""
    return max(1, len(text) // 4) if text else 0


def error_reply(status: int, model: str = "", *, retry_after: float | None = None) -> Reply:
    """LemonData's documented error body for ``status`` (see :mod:`.contract`), with the
    documented ``Retry-After`` for 429 and 503; a status the docs show no body for gets a
    plain ``api_error``.

    Args:
        status: the HTTP status.
        model: the model the request named (kept for callers that pass it).
        retry_after: the ``Retry-After`` seconds to send instead of the documented ones
            (0 lets a retrying client go again at once); it also replaces the body's
            ``retry_after`` where the body has one.
    """
    del model  # the documented bodies do not name the model
    error = dict(BY_STATUS.get(status) or {})
    if not error:
        error = {"message": f"HTTP {status}", "type": "api_error", "code": str(status)}
    headers = dict(STATUS_HEADERS.get(status, {}))
    if retry_after is not None:
        headers["Retry-After"] = str(math.ceil(retry_after))
        if "retry_after" in error:
            error["retry_after"] = retry_after
    return Reply(status=status, error=error, headers=headers)


def recorded(
    source: bytes | str | Path,
    content_type: str = "text/event-stream; charset=utf-8",
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A reply that serves a recorded body byte for byte.

    Args:
        source: the body's bytes, or the path of a file holding them.
        content_type: its ``Content-Type`` (an event stream is sent with chunked transfer,
            one chunk per SSE frame; anything else with ``Content-Length``).
        status: the HTTP status to send it with.
        headers: extra response headers.
    """
    body = source if isinstance(source, bytes) else Path(source).read_bytes()
    return Reply(body=body, content_type=content_type, status=status, headers=dict(headers or {}))
