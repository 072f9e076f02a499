"""The local server that replays a recording verbatim (one HTTP chunk per SSE frame, or cut
at random offsets)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# -- the local server -----------------------------------------------------------------------


def frames(body: bytes) -> list[bytes]:
    """``body`` cut after each blank line (LF or CRLF framing); the pieces join to ``body``."""
    out, start, i = [], 0, 0
    while True:
        lf, crlf = body.find(b"\n\n", i), body.find(b"\r\n\r\n", i)
        cands = [(p, n) for p, n in ((lf, 2), (crlf, 4)) if p >= 0]
        if not cands:
            break
        pos, n = min(cands)
        out.append(body[start : pos + n])
        start = i = pos + n
    if start < len(body):
        out.append(body[start:])
    return out


def random_pieces(body: bytes, seed: int) -> list[bytes]:
    """``body`` cut at seeded random offsets 1 to 64 bytes apart; the pieces join to ``body``."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(body):
        n = rng.randint(1, 64)
        out.append(body[i : i + n])
        i += n
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Replay

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = self.path.split("/")
        key = parts[2] if len(parts) > 2 and parts[1] == "r" else ""
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        with self.server.lock:
            self.server.requests.setdefault(key, []).append(req)
            attempt = len(self.server.requests[key])
        route = self.server.routes.get(key)
        if route is None:
            self._send_json(404, {"error": {"message": f"no route {key!r}", "type": "x"}})
            return
        pieces, fail_first, spec_usage = route
        if attempt <= fail_first:
            self._send_json(
                503,
                {"error": {"message": "upstream busy", "type": "service_unavailable"}},
                {"Retry-After": "0"},
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        asked = bool(((req or {}).get("stream_options") or {}).get("include_usage"))
        for frame in pieces:
            if spec_usage and not asked and _usage_only(frame):
                continue  # as the OpenAI spec says: no usage chunk unless asked for
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def do_GET(self) -> None:
        # llama-index's GoogleGenAI reads the model's limits when it is built
        # (``GET /v1beta/models/{model}``): answered with the documented fields it reads.
        name = self.path.split("?")[0].rsplit("/models/", 1)
        if len(name) != 2:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "x"}})
            return
        model = {
            "name": f"models/{name[1]}",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
        }
        self._send_json(200, model)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def _usage_only(frame: bytes) -> bool:
    """A Chat Completions frame that carries only usage (``choices: []``)."""
    text = frame.decode("utf-8", "replace").strip()
    if not text.startswith("data:") or text.endswith("[DONE]"):
        return False
    try:
        obj = json.loads(text[5:])
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("choices") == [] and bool(obj.get("usage"))


class Replay(ThreadingHTTPServer):
    """Serves recorded bodies verbatim at ``/r/<key>/v1/...`` on 127.0.0.1."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.routes: dict[str, tuple[list[bytes], int, bool]] = {}
        self.requests: dict[str, list[Any]] = {}
        self._n = 0

    def route(
        self,
        body: bytes,
        *,
        fail_first: int = 0,
        spec_usage: bool = False,
        split_seed: int | None = None,
    ) -> tuple[str, str]:
        """A fresh route serving ``body``: (key, base_url).

        Args:
            body: the recorded bytes, served verbatim.
            fail_first: answer the first requests with 503 and ``Retry-After: 0``.
            spec_usage: drop the usage-only chunk unless the request asked for it
                (``stream_options.include_usage``), as an OpenAI-compatible server does.
            split_seed: instead of one HTTP chunk per SSE frame, cut the body at seeded
                random offsets (1 to 64 bytes: frames and UTF-8 characters split).
        """
        pieces = frames(body) if split_seed is None else random_pieces(body, split_seed)
        with self.lock:
            self._n += 1
            key = f"k{self._n}"
            self.routes[key] = (pieces, fail_first, spec_usage)
        return key, f"http://127.0.0.1:{self.server_address[1]}/r/{key}/v1"


@contextmanager
def serving() -> Iterator[Replay]:
    """A running :class:`Replay` server, shut down on exit."""
    server = Replay()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
