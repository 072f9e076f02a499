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


# -- the recorded two-turn tool loops, for the adapters' agent tests ---------------------------

#: Each recorded loop: the first answer calls tools, the second request sends the calls
#: back (with their signatures), the second answer is the final text.
LOOPS = [
    "parallel-tools+finishMessage__fantasy",
    "thinking+tool-loop__fantasy",
    "tool-id+signature-replay__fantasy",
    "noarg-tool+signature-replay__pydantic-ai",
    "json-array-tool-loop-signature-replay__llm-gemini",
]


@dataclass
class Loop:
    answers: list[Answer]
    prompt: str
    #: name -> (description, JSON schema of the arguments with lower-case types)
    tools: dict[str, tuple[str, dict[str, Any]]]
    #: name -> what the tool returned in the recording (as text)
    results: dict[str, str]
    first: dict[str, Any]  # the recorded first and second request bodies
    second: dict[str, Any]
    api_ids: set[str]  # the call ids the first answer carried
    final_text: str


def _lower_types(schema: Any) -> Any:
    """Gemini's OpenAPI-style schema (``"type": "OBJECT"``) as JSON Schema."""
    if isinstance(schema, dict):
        return {
            k: v.lower() if k == "type" and isinstance(v, str) else _lower_types(v)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_lower_types(v) for v in schema]
    return schema


def loop(fragment: str) -> Loop:
    from tests.core.wire.test_gemini_recordings import body_of, entry_named
    from tests.parsing import parse_body

    entries = [entry_named(fragment, n) for n in (0, 1)]
    first, second = (json.loads(e["request_body"]) for e in entries)
    answers = [
        Answer(body_of(e), content_type=content_type_of(e), seed=n) for n, e in enumerate(entries)
    ]
    tools = {}
    for spec in first["tools"][0]["functionDeclarations"]:
        schema = spec.get("parameters") or spec.get("parameters_json_schema") or {}
        tools[spec["name"]] = (spec.get("description") or spec["name"], _lower_types(schema))
    results = {}
    for part in second["contents"][2]["parts"]:
        response = part.get("functionResponse") or part.get("function_response")
        results[response["name"]] = str(next(iter(response["response"].values())))
    answer = parse_body("gemini", answers[0].body).result
    final = parse_body("gemini", answers[1].body).result
    return Loop(
        answers=answers,
        prompt=first["contents"][0]["parts"][0]["text"],
        tools=tools,
        results=results,
        first=first,
        second=second,
        api_ids={c.id for c in answer.tool_calls if c.id and not c.id.startswith("gemini_call_")},
        final_text=final.text,
    )


def _signature_bytes(sig: str) -> bytes:
    """pydantic-ai re-encodes signatures URL-safe; the bytes are what must match."""
    import base64

    return base64.b64decode(sig.replace("-", "+").replace("_", "/") + "=" * (-len(sig) % 4))


def sent_calls(
    contents: list[dict[str, Any]],
) -> list[tuple[str, dict[str, Any], str | None, bytes | None]]:
    """``(name, args, id, signature bytes)`` of every function call in the model turns."""
    out = []
    for turn in contents:
        for part in turn.get("parts") or ():
            call = part.get("functionCall") or part.get("function_call")
            if call is not None:
                sig = part.get("thoughtSignature")
                out.append(
                    (
                        call["name"],
                        call.get("args") or {},
                        call.get("id"),
                        sig and _signature_bytes(sig),
                    )
                )
    return out


def check_second_request(sent: dict[str, Any], recorded: Loop) -> None:
    """Every function call goes back with the recorded name, arguments and signature bytes,
    and the API's call id where the answer had one (the recording clients sent ids of their
    own otherwise; ours sends none); each result names its call."""
    ours = sent_calls(sent["contents"])
    theirs = sent_calls(recorded.second["contents"])
    assert [(n, a, s) for n, a, _, s in ours] == [(n, a, s) for n, a, _, s in theirs]
    assert [i for _, _, i, _ in ours] == [
        i if i in recorded.api_ids else None for _, _, i, _ in theirs
    ]
    responses = [
        p["functionResponse"]
        for t in sent["contents"]
        for p in t["parts"]
        if "functionResponse" in p
    ]
    assert [r["name"] for r in responses] == [n for n, _, _, _ in theirs]
    assert [r.get("id") for r in responses] == [i for _, _, i, _ in ours]
    for response in responses:
        assert recorded.results[response["name"]] in json.dumps(response["response"])
