"""A LemonData-shaped server on 127.0.0.1 for testing chains and agents offline over real HTTP.

Use it directly (``with DevServer() as server: ...server.base_url...``) or through the
pytest plugin this package registers (:mod:`lemon_adapters.testing.plugin`), whose
``lemon_server`` fixture yields a running server. Script its answers with :class:`Reply`
(text, reasoning, tool calls, LemonData's error bodies via :func:`error_reply`, recorded
bytes via :func:`recorded`, faults), read what it received in ``server.requests``. It is
standard library only: importing it (or loading the plugin) imports no framework and no
HTTP client.

The modules: :mod:`.server` (the HTTP server; :mod:`.process` runs it in a child process),
:mod:`.replies` (what it answers),
:mod:`.wires` (one renderer per wire format), :mod:`.assistant` (the demo responder),
:mod:`.offline` (the real gateway when a key is set, else a local server: what the demo,
the CLI and the examples use), :mod:`.contract` (LemonData's documented errors and model
catalog), :mod:`.vectors` (embeddings and rerank).
"""

from __future__ import annotations

from .assistant import demo_responder, neutral_view
from .offline import Gateway, gateway
from .process import ProcessDevServer
from .replies import Reply, Responder, error_reply, recorded
from .server import DevServer

__all__ = [
    "DevServer",
    "Gateway",
    "ProcessDevServer",
    "Reply",
    "Responder",
    "demo_responder",
    "error_reply",
    "gateway",
    "neutral_view",
    "recorded",
]
