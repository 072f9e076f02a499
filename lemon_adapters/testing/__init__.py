"""A LemonData-shaped server on 127.0.0.1 for testing chains and agents offline over real HTTP.

Use it directly (``with DevServer() as server: ...server.base_url...``) or through the
pytest plugin this package registers (:mod:`lemon_adapters.testing.plugin`), whose
``lemon_server`` fixture yields a running server. It is standard library only: importing
it (or loading the plugin) imports no framework and no HTTP client.
"""

from __future__ import annotations

from .server import DevServer, Reply, Responder, demo_responder, error_reply

__all__ = ["DevServer", "Reply", "Responder", "demo_responder", "error_reply"]
