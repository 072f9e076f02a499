"""Recorded Gemini bodies served byte for byte over real HTTP on 127.0.0.1.

A test queues answers (status, content type, body bytes, where to cut it into chunks);
each POST takes the next one and the server writes the body with chunked transfer, one
HTTP chunk per piece, flushed one by one, so the client reads the recorded bytes split at
those offsets. Every request is recorded (path, query, headers, JSON body).
"""

from __future__ import annotations

import json
import random
import socket
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "text/event-stream"
    headers: dict[str, str] | None = None
    seed: int | None = None  # random cut points; None: one piece


def pieces(body: bytes, seed: int | None) -> list[bytes]:
    if seed is None or len(body) < 2:
        return [body]
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 30))))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        path, _, query = self.path.partition("?")
        self.server.requests.append(
            {"path": path, "query": query, "headers": dict(self.headers), "body": json.loads(raw)}
        )
        answer = self.server.answers.popleft()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in (answer.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        for piece in pieces(answer.body, answer.seed):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    answers: deque[Answer]
    requests: list[dict[str, Any]]


class ReplayServer:
    """``with ReplayServer() as srv: srv.queue(Answer(...)); ... srv.base_url``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.answers = deque()
        self._server.requests = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._server.requests

    def queue(self, *answers: Answer) -> None:
        self._server.answers.extend(answers)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def content_type_of(entry: dict[str, Any]) -> str:
    """The content type the recorded body came with: SSE, or JSON without ``alt=sse``."""
    return "text/event-stream" if entry["framing"] == "sse" else "application/json; charset=UTF-8"
