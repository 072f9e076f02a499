"""A fast LemonData-shaped server for the benchmark, run in its own process.

Every response body is rendered once by the testing kit's renderers
(:mod:`lemon_adapters.testing.wires`: typed Responses events ending in ``response.completed``
with usage; Chat Completions chunks, a usage chunk and ``data: [DONE]``; Anthropic
Messages events from ``message_start`` to ``message_stop``, padded as the real API pads
them) and then written
with one ``transport.write`` per request, so the server costs a few microseconds per
*stream*, not per chunk. Each SSE frame is still its own HTTP/1.1 chunk on the wire.

The scenario is chosen by the URL, so every client (ours and the peers) can be pointed at
it with nothing but ``base_url``::

    http://127.0.0.1:PORT/s/<kind>-<n>/v1      kind: text | tool, n: delta chunks
    http://127.0.0.1:PORT/s/ttft/v1            100 text chunks, a 20 ms pause after the first

and the API by the path's end: ``/responses``, ``/chat/completions`` or ``/messages``
(the anthropic SDK, given ``/s/<scenario>`` as its base, asks for ``.../v1/messages``), or
Gemini's route beside ``/v1``, ``/s/<scenario>/v1beta/models/{model}:streamGenerateContent``
(rendered by the kit's :mod:`lemon_adapters.testing.gemini`, ``alt=sse``). Gemini sends a
function call whole, in one chunk, so the ``tool-N`` scenarios do not exist there
(:func:`has_scenario`). ``GET .../v1beta/models/{model}`` answers the model's limits, which
llama-index's ``GoogleGenAI`` reads when it is built.

``GET /stats`` returns ``{"accepts": ..., "requests": ...}``: connections accepted (the
connection-reuse measurement) and requests served.

Two servers live here: :func:`serve_h1`, a minimal asyncio HTTP/1.1 server (plain TCP, the
main measurements), and :func:`serve_h2`, hypercorn over TLS speaking HTTP/2 and HTTP/1.1
(ALPN), for the HTTP/1.1-versus-HTTP/2 comparison on one and the same server.

Run: ``python -m bench.server h1`` prints ``PORT <n>`` and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from typing import Any

from lemon_adapters.testing import Reply
from lemon_adapters.testing import gemini as gemini_wire
from lemon_adapters.testing.wires import WIRES

MODEL = "gpt-4o-mini"
#: The model the Messages frames name (clients ignore it; the real API names a Claude).
CLAUDE = "claude-sonnet-4-5-20250929"
GEMINI = "gemini-2.5-flash"
TTFT_PAUSE = 0.02
_WORDS = (
    " the",
    " quick",
    " brown",
    " fox",
    " jumps",
    " over",
    " a",
    " lazy",
    " dog",
    " and",
    " then",
    " streams",
    " many",
    " small",
    " tokens",
    " to",
    " its",
    " client",
    ",",
    ".",
)


def text_pieces(n: int) -> list[str]:
    """``n`` text deltas of about four characters, like a tokenizer's output."""
    return ["Hello"] + [_WORDS[i % len(_WORDS)] for i in range(1, n)]


def argument_pieces(n: int) -> list[str]:
    """``n`` argument fragments that join into one valid JSON object."""
    if n < 3:
        raise ValueError("argument streams need at least 3 pieces")
    middle = [f'"t{i:05d}", ' for i in range(n - 3)]
    return ['{"items": [', *middle, '"end"', "]}"]


def _reply(api: str, kind: str, n: int) -> Reply:
    """The scenario as the testing kit's :class:`Reply`: exactly these deltas, ``n`` output
    tokens, and Messages frames written as the real API writes them (padded, with a ping)."""
    if kind == "text":
        return Reply(text=text_pieces(n), output_tokens=n, wire_padding=True)
    # Anthropic opens a tool block's input with an empty partial_json, as recorded.
    args = ["", *argument_pieces(n)] if api == "messages" else argument_pieces(n)
    return Reply(tool_calls=[("collect", args)], output_tokens=n, wire_padding=True)


def frames_for(api: str, scenario: str) -> list[bytes]:
    """The frames of ``scenario`` (``text-1000``, ``tool-100``, ``ttft``) on ``api``."""
    kind, n = ("text", 100) if scenario == "ttft" else scenario.split("-")
    if kind not in ("text", "tool") or not has_scenario(api, scenario):
        raise ValueError(scenario)
    reply = _reply(api, kind, int(n))
    render = gemini_wire.render_sse if api == "gemini" else WIRES[api].render
    return [frame for frame, _ in render(reply, _model(api))]


def has_scenario(api: str, scenario: str) -> bool:
    """Whether ``scenario`` exists on ``api``: Gemini streams no function-call arguments in
    pieces (a call arrives whole; the ``partialArgs`` form is Vertex's, and the peers drop
    it: bench/results/fidelity.md), so it has the text scenarios only."""
    return api != "gemini" or not scenario.startswith("tool-")


def _model(api: str) -> str:
    return {"messages": CLAUDE, "gemini": GEMINI}.get(api, MODEL)


#: What marks the first frame that carries content, per API.
FIRST_DELTA = {
    "responses": b'"delta":"',
    "chat": b'"content":"H',
    "messages": b"event: content_block_delta\n",
    "gemini": b'"text": "Hello"',
}


def first_delta_index(api: str, frames: list[bytes]) -> int:
    """Index of the first frame that carries content (where TTFT is measured)."""
    marker = FIRST_DELTA[api]
    return next(i for i, f in enumerate(frames) if marker in f)


def chunked(frames: list[bytes]) -> bytes:
    """HTTP/1.1 chunked encoding, one chunk per SSE frame (as a gateway flushes them)."""
    return b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames)


class _Bodies:
    """Rendered bodies, cached per (api, scenario, encoding)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, bool], tuple[bytes, bytes]] = {}

    def get(self, api: str, scenario: str, chunk_encode: bool) -> tuple[bytes, bytes]:
        """(head, rest): the TTFT scenario pauses between them; others send both at once."""
        key = (api, scenario, chunk_encode)
        if key not in self._cache:
            frames = frames_for(api, scenario)
            enc = chunked if chunk_encode else b"".join
            if scenario == "ttft":
                cut = first_delta_index(api, frames) + 1
                head, rest = enc(frames[:cut]), enc(frames[cut:])
            else:
                head, rest = enc(frames), b""
            if chunk_encode:
                rest += b"0\r\n\r\n"
            self._cache[key] = (head, rest)
        return self._cache[key]


def route(path: str) -> tuple[str, str] | None:
    """``(api, scenario)`` for a request path, or ``None``."""
    path = path.split("?", 1)[0]
    if not path.startswith("/s/"):
        return None
    scenario, _, rest = path[3:].partition("/")
    if rest.endswith("chat/completions"):
        return "chat", scenario
    if rest.endswith("responses"):
        return "responses", scenario
    if rest.endswith("messages"):
        return "messages", scenario
    if rest.endswith(":streamGenerateContent"):
        return "gemini", scenario
    return None


def model_object(path: str) -> bytes | None:
    """The answer to ``GET .../v1beta/models/{model}`` (the fields GoogleGenAI reads)."""
    path = path.split("?", 1)[0]
    if "/v1beta/models/" not in path:
        return None
    name = path.rsplit("/models/", 1)[1]
    model = {
        "name": f"models/{name}",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
    }
    return json.dumps(model).encode()


# -- HTTP/1.1 (plain TCP) ---------------------------------------------------------------


class _Stats:
    accepts = 0
    requests = 0


_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nX-Request-Id: req_bench\r\n"
    b"X-Cache-Status: MISS\r\n\r\n"
)


class _H1(asyncio.Protocol):
    def __init__(self, bodies: _Bodies) -> None:
        self.bodies = bodies
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _Stats.accepts += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length :]
            self.respond(method, path)

    def respond(self, method: str, path: str) -> None:
        assert self.transport is not None
        if method == "GET" and path.startswith("/stats"):
            payload = json.dumps({"accepts": _Stats.accepts, "requests": _Stats.requests})
            self._json(payload.encode())
            return
        model = model_object(path) if method == "GET" else None
        if model is not None:
            self._json(model)
            return
        target = route(path) if method == "POST" else None
        if target is None or not has_scenario(*target):
            self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        _Stats.requests += 1
        head, rest = self.bodies.get(*target, True)
        self.transport.write(_STREAM_HEAD + head)
        if target[1] == "ttft":
            asyncio.get_running_loop().call_later(TTFT_PAUSE, self._later, rest)
        elif rest:
            self.transport.write(rest)

    def _json(self, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (len(payload), payload)
        )

    def _later(self, rest: bytes) -> None:
        if self.transport is not None:
            self.transport.write(rest)


async def serve_h1(port: int = 0) -> None:
    """Serve HTTP/1.1 on 127.0.0.1 forever, printing ``PORT <n>`` once listening."""
    bodies = _Bodies()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _H1(bodies), "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


# -- HTTP/2 and HTTP/1.1 over TLS (hypercorn) -------------------------------------------


def _asgi_app(bodies: _Bodies) -> Any:
    peers: set[tuple[str, int]] = set()
    counts = {"requests": 0}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        client = scope.get("client")
        if client:
            peers.add((client[0], client[1]))
        while (await receive()).get("more_body"):
            pass
        if scope["method"] == "GET" and scope["path"].startswith("/stats"):
            # ASGI does not show accepts; count the distinct client ports (connections)
            # that carried requests since the last /stats call.
            payload = json.dumps({"accepts": len(peers) - 1, "requests": counts["requests"]})
            peers.clear()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": payload.encode()})
            return
        target = route(scope["path"])
        if target is None or not has_scenario(*target):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        counts["requests"] += 1
        head, rest = bodies.get(*target, False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"x-request-id", b"req_bench"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": head, "more_body": True})
        if target[1] == "ttft":
            await asyncio.sleep(TTFT_PAUSE)
        await send({"type": "http.response.body", "body": rest})

    return app


async def serve_h2(certfile: str, keyfile: str, port: int = 0) -> None:
    """Serve HTTP/2 and HTTP/1.1 over TLS with hypercorn, printing ``PORT <n>``."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.certfile = certfile
    config.keyfile = keyfile
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = None
    config.errorlog = None
    config.backlog = 1024
    config.h2_max_concurrent_streams = 1000
    config.keep_alive_timeout = 60
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    await serve(_asgi_app(_Bodies()), config)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.server h1`` or ``h2 --cert C --key K``."""
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("mode", choices=["h1", "h2"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args(argv)
    try:
        if args.mode == "h1":
            asyncio.run(serve_h1(args.port))
        else:
            asyncio.run(serve_h2(args.cert, args.key, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
