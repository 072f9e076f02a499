"""The local LemonData-shaped server: HTTP/1.1 on 127.0.0.1, in a background thread.

Every route the package speaks: ``POST /v1/responses``, ``/v1/chat/completions`` and
``/v1/messages`` (streamed with real chunked transfer over keep-alive, or whole),
``POST /v1/embeddings`` and ``/v1/rerank`` (see :mod:`.vectors`), and ``GET /v1/models``
and ``/v1/models/{model}`` (see :mod:`.contract`). What a chat route answers is decided by a
*responder* (:data:`~.replies.Responder`; :func:`~.assistant.demo_responder` by default)
unless a reply was scripted with :meth:`DevServer.script`, which any route serves first.
Errors come in LemonData's JSON shape. The server is standard library only and is never
imported by ``lemon_adapters`` itself.
"""

from __future__ import annotations

import json
import random
import re
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import gemini as _gemini
from . import vectors
from .assistant import demo_responder, example_arguments, neutral_view
from .contract import BY_STATUS, find_model, list_models, pricing
from .replies import Reply, Responder, error_reply, pieces, recorded
from .wires import WIRES, Frame, Wire, complete_object, ids, wire_for
from .wires.anthropic_messages import render as render_messages
from .wires.anthropic_messages import signature_of
from .wires.chat_completions import render as render_chat
from .wires.responses import render as render_responses

__all__ = [
    "RENDERERS",
    "DevServer",
    "Reply",
    "Responder",
    "complete_object",
    "demo_responder",
    "error_reply",
    "example_arguments",
    "neutral_view",
    "pieces",
    "recorded",
    "render_chat",
    "render_messages",
    "render_responses",
    "signature_of",
]

#: Each wire format's renderer, by ``api`` name (kept for code that rendered frames itself).
RENDERERS = {api: wire.render for api, wire in WIRES.items()}

_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def _not_found(what: str) -> dict[str, Any]:
    return {"error": {"message": what, "type": "invalid_request_error", "code": "not_found"}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Small SSE frames must leave at once: Nagle plus delayed ACKs would add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- routes ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        self._record("GET", "models", {})
        scripted = self.server.next_scripted()
        answer: tuple[int, Any]
        if path.endswith("/models"):
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            answer = 200, {"object": "list", "data": list_models(query)}
        elif path.endswith("/pricing"):
            answer = pricing({k: v[0] for k, v in parse_qs(url.query).items()})
        elif "/models/" in path:
            model_id = unquote(path.split("/models/", 1)[1])
            detail = find_model(model_id)
            error = dict(BY_STATUS[404], message=f"Model '{model_id}' not found")
            answer = (200, detail) if detail else (404, {"error": error})
        else:
            answer = 404, _not_found(f"no route {self.path}")
        self._json_route(scripted, *answer)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) if length else b"{}")
        except ValueError:
            error = {"message": "request body is not JSON", "type": "invalid_request_error"}
            self._send_json(400, {"error": error})
            return
        gemini = _gemini.parse_route(self.path)
        if gemini is not None:  # /v1beta/models/{model}:streamGenerateContent (.gemini)
            _gemini.serve(self, body, gemini, self.server.next_scripted())
            return
        path = urlsplit(self.path).path.rstrip("/")
        wire = wire_for(path)
        api = wire.api if wire else path.rsplit("/", 1)[-1]
        self._record("POST", api, body)
        scripted = self.server.next_scripted()
        if wire is not None:
            reply = scripted or self.server.responder(api, body)
            self._chat_route(wire, path, body, reply)
        elif api in ("embeddings", "rerank"):  # see lemon_adapters.testing.vectors
            self._json_route(scripted, *vectors.answer(api, body))
        else:
            self._json_route(scripted, 404, _not_found(f"no route {self.path}"))

    def _record(self, method: str, api: str, body: Any) -> None:
        headers = dict(self.headers)
        entry = {"method": method, "api": api, "path": self.path, "body": body, "headers": headers}
        self.server.requests.append(entry)

    # -- answers --------------------------------------------------------------------------

    def _json_route(
        self, scripted: Reply | None, status: int, obj: Any, headers: dict[str, str] | None = None
    ) -> None:
        """A JSON route's own answer, unless a scripted error or recorded body replaces it
        (a scripted plain reply keeps the answer and adds its headers and faults)."""
        if scripted is not None and (scripted.body is not None or scripted.status >= 400):
            self._serve(scripted, None)
            return
        reply = scripted or Reply()
        data = json.dumps(obj).encode()
        self._send(status, {**(headers or {}), **reply.headers}, "application/json", data, reply)

    def _chat_route(self, wire: Wire, path: str, body: dict[str, Any], reply: Reply) -> None:
        server = self.server
        if server.delay is not None and reply.delay == 0.0:
            reply.delay = server.delay
        if reply.jitter == 0.0:
            reply.jitter = server.jitter
        model = wire.model_of(path, body)
        reply.headers = {**wire.headers(model), **reply.headers}
        if reply.body is not None or reply.status >= 400:
            self._serve(reply, wire)
        elif not wire.streams(path, body):
            self._send_json(200, complete_object(wire.api, reply, model), reply.headers, reply)
        else:
            self._stream(wire.render(reply, model), reply, wire.keepalive)

    def _serve(self, reply: Reply, wire: Wire | None) -> None:
        """An error status (LemonData's error body) or a recorded body, as the reply says."""
        if reply.body is None:
            error = {"error": reply.error or {"message": "error"}}
            self._send_json(reply.status, error, reply.headers, reply)
        elif reply.content_type.startswith("text/event-stream"):
            frames = ((f, True) for f in _split_frames(reply.body))
            keepalive = wire.keepalive if wire else b": keep-alive\n\n"
            self._stream(frames, reply, keepalive, reply.status)
        else:
            self._send(reply.status, reply.headers, reply.content_type, reply.body, reply)

    def _send_json(
        self,
        status: int,
        obj: Any,
        headers: dict[str, str] | None = None,
        reply: Reply | None = None,
    ) -> None:
        data = json.dumps(obj).encode()
        self._send(status, headers or {}, "application/json", data, reply or Reply())

    def _send(
        self, status: int, headers: dict[str, str], content_type: str, data: bytes, reply: Reply
    ) -> None:
        """A whole body with ``Content-Length`` (cut or stalled as the reply says)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", f"req_{next(ids):08d}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        limit = _limit(reply)
        self.wfile.write(data[:limit])
        self.wfile.flush()
        if limit is not None and limit < len(data):
            self._fault(reply, None)

    def _stream(
        self, frames: Iterable[Frame], reply: Reply, keepalive: bytes, status: int = 200
    ) -> None:
        """An event stream, one HTTP/1.1 chunk per frame, paced and faulted as ``reply`` says."""
        self.send_response(status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Cache-Status", "MISS")
        self.send_header("X-Request-Id", f"req_{next(ids):08d}")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        limit, sent = _limit(reply), 0
        try:
            for frame, is_delta in frames:
                if is_delta and (reply.delay or reply.jitter):
                    time.sleep(reply.delay + random.uniform(0.0, reply.jitter))
                if limit is not None and sent + len(frame) >= limit:
                    # Padding goes between frames, never inside one: a padded stall
                    # begins at the end of the frame its byte count falls in.
                    padded = reply.keepalive and limit == reply.stall_after
                    self._chunk(frame if padded else frame[: limit - sent])
                    self._fault(reply, keepalive)
                    return
                self._chunk(frame)
                sent += len(frame)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def _fault(self, reply: Reply, keepalive: bytes | None) -> None:
        """After the cut: hang up at once, or stall until the client does (or the limit)."""
        self.close_connection = True
        if reply.stall_after is None or (
            reply.cut_after is not None and reply.cut_after <= reply.stall_after
        ):
            return
        end = time.monotonic() + reply.stall_limit
        while (left := end - time.monotonic()) > 0:
            wait = min(left, reply.keepalive) if reply.keepalive and keepalive else left
            readable, _, _ = select.select([self.connection], [], [], wait)
            if readable and not self.connection.recv(65536):
                return  # the client hung up
            if not readable and reply.keepalive and keepalive:
                try:
                    self._chunk(keepalive)
                except OSError:
                    return


def _limit(reply: Reply) -> int | None:
    """Body bytes to send before the reply's fault, if it has one."""
    cuts = [n for n in (reply.cut_after, reply.stall_after) if n is not None]
    return min(cuts) if cuts else None


def _split_frames(body: bytes) -> Iterator[bytes]:
    """A recorded event stream cut after each blank line: one chunk per SSE frame."""
    start = 0
    for match in _FRAME_END.finditer(body):
        yield body[start : match.end()]
        start = match.end()
    if start < len(body):
        yield body[start:]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    responder: Responder
    delay: float | None
    jitter: float
    requests: list[dict[str, Any]]
    scripted: deque[Reply]
    lock: threading.Lock

    def next_scripted(self) -> Reply | None:
        with self.lock:
            return self.scripted.popleft() if self.scripted else None


class DevServer:
    """A LemonData-shaped server on 127.0.0.1 in a background thread.

    Use as a context manager (or :meth:`start` / :meth:`stop`); ``base_url`` is ready to
    pass as ``base_url=`` with any API key.

    Args:
        responder: decides each chat answer (default :func:`demo_responder`).
        delay: seconds between streamed deltas for every reply (``None``: the reply's own).
        jitter: up to this many seconds more per delta, drawn at random.
        port: 0 picks a free port.
    """

    def __init__(
        self,
        responder: Responder = demo_responder,
        *,
        delay: float | None = None,
        jitter: float = 0.0,
        port: int = 0,
    ) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.responder = responder
        self._server.delay = delay
        self._server.jitter = jitter
        self._server.requests = []
        self._server.scripted = deque()
        self._server.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def responder(self) -> Responder:
        """What decides each chat answer; assign another to change the next replies."""
        return self._server.responder

    @responder.setter
    def responder(self, responder: Responder) -> None:
        self._server.responder = responder

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request received, in order: ``{"method", "api", "path", "body", "headers"}``
        (``api`` is ``"responses"``, ``"chat"``, ``"messages"``, ``"embeddings"``,
        ``"rerank"`` or ``"models"``)."""
        return self._server.requests

    def script(self, *replies: Reply) -> DevServer:
        """Answer the next requests (of any route) with ``replies``, in order, before the
        responder is asked again. On embeddings, rerank and models routes a reply counts when
        it is an error or a recorded body; a plain one adds its headers and faults to the
        route's own answer."""
        with self._server.lock:
            self._server.scripted.extend(replies)
        return self

    def start(self) -> DevServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            daemon=True,
            name="lemon-devserver",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
