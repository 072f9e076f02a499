"""The pytest plugin (entry point ``pytest11``: ``lemon_adapters``).

Fixtures:
    lemon_server: a running :class:`~lemon_adapters.testing.DevServer` for one test; point
        a client, ``ChatLemonData`` or ``LemonData`` at ``lemon_server.base_url`` with any
        key, script its next answers with ``lemon_server.script(Reply(...), ...)`` (or every
        answer with ``lemon_server.responder = ...``) and read what it received in
        ``lemon_server.requests``.

Loading the plugin imports the standard library and this package only: no framework and
no HTTP client (tests/testing/test_server.py checks it in a fresh interpreter).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import DevServer


@pytest.fixture
def lemon_server() -> Iterator[DevServer]:
    """A LemonData-shaped server on 127.0.0.1, stopped after the test."""
    with DevServer() as server:
        yield server
