"""The one switch the demo, the CLI and the examples share: the real gateway when
``LEMONDATA_API_KEY`` is set, else a local server for the duration."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .assistant import demo_responder
from .replies import Responder
from .server import DevServer

_NAMES = ("LEMONDATA_API_KEY", "LEMONDATA_BASE_URL")


@dataclass(frozen=True, kw_only=True)
class Gateway:
    """Where to send requests.

    Attributes:
        api_key: the key to pass as ``api_key=``.
        base_url: the address to pass as ``base_url=`` (``None``: the client's default).
        server: the local server when offline, else ``None``.
    """

    api_key: str
    base_url: str | None
    server: DevServer | None = None

    @property
    def offline(self) -> bool:
        """Whether a local server answers."""
        return self.server is not None


@contextlib.contextmanager
def gateway(
    responder: Responder = demo_responder,
    *,
    delay: float | None = None,
    jitter: float = 0.0,
    announce: Callable[[str], object] | None = None,
    export: bool = False,
) -> Iterator[Gateway]:
    """The real API if ``LEMONDATA_API_KEY`` is set, else a local :class:`DevServer`.

    Args:
        responder: what the local server answers with.
        delay: its seconds between streamed deltas.
        jitter: up to this many seconds more per delta.
        announce: called with the local server's address when offline (to say so).
        export: also set ``LEMONDATA_API_KEY`` / ``LEMONDATA_BASE_URL`` to the local server
            for the duration (for scripts that are configured from the environment, as the
            examples are); restored afterwards.
    """
    key = os.environ.get("LEMONDATA_API_KEY")
    if key:
        yield Gateway(api_key=key, base_url=os.environ.get("LEMONDATA_BASE_URL") or None)
        return
    with DevServer(responder, delay=delay, jitter=jitter) as server:
        if announce is not None:
            announce(server.base_url)
        local = Gateway(api_key="sk-offline-local", base_url=server.base_url, server=server)
        with _exported(local) if export else contextlib.nullcontext():
            yield local


@contextlib.contextmanager
def _exported(local: Gateway) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _NAMES}
    os.environ["LEMONDATA_API_KEY"] = local.api_key
    os.environ["LEMONDATA_BASE_URL"] = str(local.base_url)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
