"""Offline unless ``LEMONDATA_API_KEY`` is set: every example shares this switch.

With a key, examples talk to the real gateway (``LEMONDATA_BASE_URL`` or the public API).
Without one, they start the package's local LemonData-shaped server on 127.0.0.1 and point
``LEMONDATA_API_KEY`` / ``LEMONDATA_BASE_URL`` at it, and say so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from lemon_adapters.testing.server import DevServer, Responder, demo_responder

#: The model examples use: ``LEMONDATA_MODEL`` or a common default.
MODEL = os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini")


@contextlib.contextmanager
def lemondata(responder: Responder = demo_responder, *, delay: float = 0.02) -> Iterator[None]:
    """Run the body against the real API if a key is set, else against a local server."""
    if os.environ.get("LEMONDATA_API_KEY"):
        yield
        return
    with DevServer(responder, delay=delay) as server:
        saved = {k: os.environ.get(k) for k in ("LEMONDATA_API_KEY", "LEMONDATA_BASE_URL")}
        os.environ["LEMONDATA_API_KEY"] = "sk-offline-example"
        os.environ["LEMONDATA_BASE_URL"] = server.base_url
        print(
            f"(offline: LEMONDATA_API_KEY is not set; using a local LemonData-shaped server "
            f"at {server.base_url})\n"
        )
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
