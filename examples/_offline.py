"""Offline unless ``LEMONDATA_API_KEY`` is set: every example shares this switch.

With a key, examples talk to the real gateway (``LEMONDATA_BASE_URL`` or the public API).
Without one, they start the package's local LemonData-shaped server on 127.0.0.1 and point
``LEMONDATA_API_KEY`` / ``LEMONDATA_BASE_URL`` at it (the examples are configured from the
environment, as your scripts may be), and say so. The switch is the testing kit's
:func:`lemon_adapters.testing.offline.gateway`, the one the demo and the CLI use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from lemon_adapters.testing import Responder, demo_responder
from lemon_adapters.testing.offline import gateway

#: The model examples use: ``LEMONDATA_MODEL`` or a common default.
MODEL = os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini")


def _announce(base_url: str) -> None:
    print(
        "(offline: LEMONDATA_API_KEY is not set; using a local LemonData-shaped server "
        f"at {base_url})\n"
    )


@contextlib.contextmanager
def lemondata(responder: Responder = demo_responder, *, delay: float = 0.02) -> Iterator[None]:
    """Run the body against the real API if a key is set, else against a local server."""
    with gateway(responder, delay=delay, announce=_announce, export=True):
        yield
