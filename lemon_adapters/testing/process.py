"""The local server in a child process of its own, for tests whose client load could starve a
server thread of the GIL (a thousand streams on one event loop, say).

:class:`ProcessDevServer` has :class:`~.server.DevServer`'s surface (``base_url``,
``script``, ``requests``, ``responder``, a context manager); each call is a request over a
pipe to the child, answered in order. What crosses the pipe is pickled: replies as they
are, and a responder only if it is importable (a module-level function, not a lambda).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .assistant import demo_responder
from .replies import Reply, Responder
from .server import DevServer


class ProcessDevServer:
    """A :class:`~.server.DevServer` run in a spawned child process.

    Args:
        responder: decides each chat answer; must be picklable (importable by name).
        delay: seconds between streamed deltas for every reply (``None``: the reply's own).
        jitter: up to this many seconds more per delta, drawn at random.
    """

    def __init__(
        self,
        responder: Responder = demo_responder,
        *,
        delay: float | None = None,
        jitter: float = 0.0,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_child, args=(child, responder, delay, jitter), daemon=True, name="lemon-dev"
        )
        self._lock = threading.Lock()
        self._base_url = ""

    def _ask(self, command: str, *args: Any) -> Any:
        with self._lock:
            self._pipe.send((command, args))
            ok, value = self._pipe.recv()
        if not ok:
            raise RuntimeError(f"local server process: {command} failed: {value}")
        return value

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return self._base_url

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A copy of every request received so far (see :attr:`DevServer.requests`)."""
        requests: list[dict[str, Any]] = self._ask("requests")
        return requests

    @property
    def responder(self) -> Responder:
        """What decides each chat answer (a picklable function)."""
        responder: Responder = self._ask("get_responder")
        return responder

    @responder.setter
    def responder(self, responder: Responder) -> None:
        self._ask("set_responder", responder)

    def script(self, *replies: Reply) -> ProcessDevServer:
        """Answer the next requests with ``replies`` (see :meth:`DevServer.script`)."""
        self._ask("script", replies)
        return self

    def start(self) -> ProcessDevServer:
        """Start the child and wait until it serves."""
        self._process.start()
        self._base_url = self._ask("base_url")
        return self

    def stop(self) -> None:
        """Stop the child (killed if it does not end within 10 s)."""
        with contextlib.suppress(OSError, EOFError):
            self._ask("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def __enter__(self) -> ProcessDevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _child(pipe: Connection, responder: Responder, delay: float | None, jitter: float) -> None:
    """The child process: serve in a thread, answer the pipe on the main thread."""
    server = DevServer(responder, delay=delay, jitter=jitter).start()
    commands: dict[str, Callable[..., Any]] = {
        "base_url": lambda: server.base_url,
        "requests": lambda: list(server.requests),
        "get_responder": lambda: server.responder,
        "set_responder": lambda responder: setattr(server, "responder", responder),
        "script": lambda replies: server.script(*replies) and None,
    }
    try:
        while True:
            command, args = pipe.recv()
            if command == "stop":
                server.stop()
                pipe.send((True, None))
                return
            try:
                pipe.send((True, commands[command](*args)))
            except Exception as exc:  # reported to the caller, which raises it
                pipe.send((False, repr(exc)))
    except EOFError:  # the parent is gone
        server.stop()
