"""Recorded conversations served over real HTTP on 127.0.0.1, for the agent-loop tests of
both pydantic-ai and the OpenAI Agents SDK.

A recorded two-turn tool conversation is two bodies (``__0`` and ``__1``) with the requests
that produced them. :class:`Replay` answers the n-th POST with the n-th recorded body, as
the gateway sent it (``text/event-stream``, in 512-byte HTTP chunks), and keeps every
request body it received, so a test can compare what an agent sent with what was recorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lemon_adapters.core.wire.accumulate import StreamResult
from tests.parsing import parse_body

from ..conftest import RECORDINGS

#: The recorded parallel add + multiply conversations (Responses and Chat Completions).
TOOL_CONVERSATIONS = [
    "chat__cerebras_qwen-3-coder__parallel-tools-no-DONE__fantasy",
    "chat__groq_kimi-k2__parallel-tools__fantasy",
    "chat__openrouter_gemini-3.1-flash-lite__parallel-tools__fantasy",
    "chat__vercel-gateway_gemini-3-pro__parallel-tools__fantasy",
    "chat__xai_grok-4-fast__parallel-tools__fantasy",
    "chat__zai_glm-4.7-flash__reasoning+parallel-tools__fantasy",
    "resp__openai_gpt-4o__parallel-tools__fantasy",
    "resp__openai_gpt-5__reasoning-item+parallel-tools__fantasy",
]
#: The recorded Messages API tool loops with extended thinking, and each tool's answer.
THINKING_LOOPS = {
    "msg__anthropic_claude-sonnet-4__thinking+tool-loop-signature-replay__fantasy": "40 C",
    "msg__anthropic_claude-haiku-4.5__thinking+zero-arg-tool-loop__llm-anthropic": "0.32a0",
}
API = {"chat": "chat", "resp": "responses", "msg": "messages"}


@dataclass
class Conversation:
    """One recorded two-turn conversation: the bodies, the requests, and the core's reading
    of each answer (the ground truth)."""

    api: str
    bodies: list[bytes]
    requests: list[dict[str, Any]]
    answers: list[StreamResult]


def conversation(name: str) -> Conversation:
    """The recorded conversation ``name`` (a file name without ``__<n>.body``)."""
    api = API[name.split("__", 1)[0]]
    folder = RECORDINGS / ("messages/wire" if api == "messages" else "wire")
    index = {e["file"]: e for e in json.loads((folder / "index.json").read_text())}
    entries = [index[f"{name}__{n}.body"] for n in (0, 1)]
    bodies = [(folder / e["file"]).read_bytes() for e in entries]
    answers = [parse_body(api, body).result for body in bodies]  # type: ignore[arg-type]
    requests = [json.loads(e["request_body"]) for e in entries]
    return Conversation(api, bodies, requests, answers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.server.received.append(json.loads(self.rfile.read(length)))
        turn = len(self.server.received) - 1
        if turn >= len(self.server.bodies):
            data = b'{"error": {"message": "no more recorded turns", "type": "server_error"}}'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Request-Id", f"req_replay_{turn}")
        self.end_headers()
        body = self.server.bodies[turn]
        for start in range(0, len(body), 512):  # pieces that split frames and characters
            piece = body[start : start + 512]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    bodies: list[bytes]
    received: list[dict[str, Any]]


class Replay:
    """Serves ``bodies`` in order on 127.0.0.1; ``received`` holds the request bodies."""

    def __init__(self, bodies: list[bytes]) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.bodies = bodies
        self._server.received = []

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def received(self) -> list[dict[str, Any]]:
        """The JSON bodies of the requests received, in order."""
        return self._server.received

    def __enter__(self) -> Replay:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
