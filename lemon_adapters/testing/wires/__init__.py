"""The wire formats the local server speaks, one module each, and the table of routes.

A wire format is a :class:`Wire`: the path ending that reaches it, a ``render`` function
from a :class:`~lemon_adapters.testing.Reply` to SSE frames, a ``complete`` function for
the non-streamed answer, and its keep-alive frame. Adding one (Gemini's
``:streamGenerateContent``, say) is one more module here and one more row in :data:`WIRES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..replies import Reply
from . import anthropic_messages, chat_completions, responses
from ._frames import Frame, Frames, ids

__all__ = ["WIRES", "Frame", "Frames", "Wire", "complete_object", "ids", "wire_for"]


def _body_model(path: str, body: dict[str, Any]) -> str:
    del path
    return str(body.get("model", "unknown"))


def _body_streams(path: str, body: dict[str, Any]) -> bool:
    del path
    return bool(body.get("stream"))


@dataclass(frozen=True, kw_only=True)
class Wire:
    """One wire format the server speaks.

    Attributes:
        api: the name responders are given (``"responses"``, ``"chat"``, ``"messages"``).
        matches: whether a request path reaches this format.
        render: ``(reply, model)`` to the stream's frames, each ``(bytes, is_delta)``.
        complete: ``(reply, model)`` to the non-streamed JSON answer.
        keepalive: what a stall padded with keep-alives sends.
        model_of: the model a request names (the body's ``model`` by default).
        streams: whether a request asks for a stream (the body's ``stream`` by default).
        headers: extra response headers for a model (LemonData's route hints).
    """

    api: str
    matches: Callable[[str], bool]
    render: Callable[[Reply, str], Iterator[Frame]]
    complete: Callable[[Reply, str], dict[str, Any]]
    keepalive: bytes = b": keep-alive\n\n"
    model_of: Callable[[str, dict[str, Any]], str] = _body_model
    streams: Callable[[str, dict[str, Any]], bool] = _body_streams
    headers: Callable[[str], dict[str, str]] = lambda model: {}


def _ends(suffix: str) -> Callable[[str], bool]:
    return lambda path: path.endswith(suffix)


#: Every wire format, by the ``api`` name responders see.
WIRES: dict[str, Wire] = {
    wire.api: wire
    for wire in (
        Wire(
            api="responses",
            matches=_ends(responses.ROUTE),
            render=responses.render,
            complete=responses.complete,
        ),
        Wire(
            api="chat",
            matches=_ends(chat_completions.ROUTE),
            render=chat_completions.render,
            complete=chat_completions.complete,
            headers=chat_completions.hint_headers,
        ),
        Wire(
            api="messages",
            matches=_ends(anthropic_messages.ROUTE),
            render=anthropic_messages.render,
            complete=anthropic_messages.complete,
            keepalive=anthropic_messages.PING,
        ),
    )
}


def wire_for(path: str) -> Wire | None:
    """The wire format a request path (without its query) reaches, if any."""
    path = path.rstrip("/")
    return next((wire for wire in WIRES.values() if wire.matches(path)), None)


def complete_object(api: str, reply: Reply, model: str) -> dict[str, Any]:
    """The non-streamed answer for ``reply`` on ``api``: the stream's final state."""
    return WIRES[api].complete(reply, model)
