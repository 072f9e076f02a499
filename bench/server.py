"""A fast LemonData-shaped server for the benchmark, run in its own process.

Every response body is rendered once (frames in the same shape as
:mod:`lemon_adapters.testing.server`: typed Responses events ending in ``response.completed``
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
(the anthropic SDK, given ``/s/<scenario>`` as its base, asks for ``.../v1/messages``).

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

MODEL = "gpt-4o-mini"
#: The model the Messages frames name (clients ignore it; the real API names a Claude).
CLAUDE = "claude-sonnet-4-5-20250929"
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


def _sse(obj: Any, event: str | None = None) -> bytes:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def render_responses(kind: str, n: int) -> list[bytes]:
    """Responses API frames for ``n`` text or argument deltas."""
    rid = f"resp_bench_{kind}_{n}"
    seq = iter(range(10**9))
    base = {
        "id": rid,
        "object": "response",
        "created_at": 1700000000,
        "model": MODEL,
        "output": [],
        "usage": None,
    }
    frames: list[bytes] = []

    def ev(etype: str, **fields: Any) -> None:
        frames.append(_sse({"type": etype, **fields, "sequence_number": next(seq)}, etype))

    ev("response.created", response={**base, "status": "in_progress"})
    ev("response.in_progress", response={**base, "status": "in_progress"})
    if kind == "text":
        parts = text_pieces(n)
        text = "".join(parts)
        item_id = "msg_bench_0"
        item = {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        ev("response.output_item.added", output_index=0, item=item)
        ev(
            "response.content_part.added",
            item_id=item_id,
            output_index=0,
            content_index=0,
            part={"type": "output_text", "text": "", "annotations": []},
        )
        for piece in parts:
            ev(
                "response.output_text.delta",
                item_id=item_id,
                output_index=0,
                content_index=0,
                delta=piece,
                logprobs=[],
            )
        part = {"type": "output_text", "text": text, "annotations": []}
        ev(
            "response.output_text.done",
            item_id=item_id,
            output_index=0,
            content_index=0,
            text=text,
            logprobs=[],
        )
        ev(
            "response.content_part.done",
            item_id=item_id,
            output_index=0,
            content_index=0,
            part=part,
        )
        done = {**item, "status": "completed", "content": [part]}
    else:
        parts = argument_pieces(n)
        arguments = "".join(parts)
        item_id = "fc_bench_0"
        item = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "call_id": "call_bench_0",
            "name": "collect",
            "arguments": "",
        }
        ev("response.output_item.added", output_index=0, item=item)
        for piece in parts:
            ev(
                "response.function_call_arguments.delta",
                item_id=item_id,
                output_index=0,
                delta=piece,
            )
        ev(
            "response.function_call_arguments.done",
            item_id=item_id,
            output_index=0,
            arguments=arguments,
        )
        done = {**item, "status": "completed", "arguments": arguments}
    ev("response.output_item.done", output_index=0, item=done)
    usage = {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": n,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + n,
    }
    ev(
        "response.completed",
        response={**base, "status": "completed", "output": [done], "usage": usage},
    )
    return frames


def render_chat(kind: str, n: int) -> list[bytes]:
    """Chat Completions frames for ``n`` text or argument deltas."""
    cid = f"chatcmpl-bench-{kind}-{n}"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    frames = [chunk({"role": "assistant", "content": ""})]
    if kind == "text":
        frames += [chunk({"content": piece}) for piece in text_pieces(n)]
        finish = "stop"
    else:
        first = {
            "index": 0,
            "id": "call_bench_0",
            "type": "function",
            "function": {"name": "collect", "arguments": ""},
        }
        frames.append(chunk({"tool_calls": [first]}))
        frames += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in argument_pieces(n)
        ]
        finish = "tool_calls"
    frames.append(chunk({}, finish))
    usage = {
        "prompt_tokens": 12,
        "completion_tokens": n,
        "total_tokens": 12 + n,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    frames.append(
        _sse(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": MODEL,
                "choices": [],
                "usage": usage,
            }
        )
    )
    frames.append(b"data: [DONE]\n\n")
    return frames


def _padded(obj: Any, event: str, i: int) -> bytes:
    """A Messages frame as the real API sends it: ``event:`` line, compact JSON, and 0 to 15
    spaces before the closing brace (the recordings in tests/recordings/messages/wire show
    this padding on almost every frame; here it follows a fixed pattern)."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    pad = " " * ((i * 7 + 3) % 16)
    return f"event: {event}\ndata: {data[:-1]}{pad}}}\n\n".encode()


def render_messages(kind: str, n: int) -> list[bytes]:
    """Anthropic Messages frames for ``n`` text deltas or ``n`` ``input_json_delta`` pieces
    of one ``tool_use`` block, shaped like a recorded Anthropic stream: ``message_start``
    (usage with 12 input tokens), ``content_block_start``, a ``ping``, the deltas (a tool
    block opens with an empty ``partial_json``, as the API sends it), ``content_block_stop``,
    ``message_delta`` (stop reason, usage with ``n`` output tokens), ``message_stop``."""
    frames: list[bytes] = []

    def ev(etype: str, **fields: Any) -> None:
        frames.append(_padded({"type": etype, **fields}, etype, len(frames)))

    usage = {"input_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    message = {
        "model": CLAUDE,
        "id": f"msg_bench_{kind}_{n}",
        "type": "message",
        "role": "assistant",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": 1, "service_tier": "standard"},
    }
    ev("message_start", message=message)
    if kind == "text":
        ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
        frames.append(b'event: ping\ndata: {"type": "ping"}\n\n')
        for piece in text_pieces(n):
            ev("content_block_delta", index=0, delta={"type": "text_delta", "text": piece})
        stop = "end_turn"
    else:
        block = {"type": "tool_use", "id": "toolu_bench_0", "name": "collect", "input": {}}
        ev("content_block_start", index=0, content_block=block)
        frames.append(b'event: ping\ndata: {"type": "ping"}\n\n')
        for piece in ["", *argument_pieces(n)]:
            delta = {"type": "input_json_delta", "partial_json": piece}
            ev("content_block_delta", index=0, delta=delta)
        stop = "tool_use"
    ev("content_block_stop", index=0)
    ev(
        "message_delta",
        delta={"stop_reason": stop, "stop_sequence": None},
        usage={**usage, "output_tokens": n},
    )
    ev("message_stop")
    return frames


RENDERERS = {"responses": render_responses, "chat": render_chat, "messages": render_messages}


def frames_for(api: str, scenario: str) -> list[bytes]:
    """The frames of ``scenario`` (``text-1000``, ``tool-100``, ``ttft``) on ``api``."""
    kind, n = ("text", 100) if scenario == "ttft" else scenario.split("-")
    if kind not in ("text", "tool"):
        raise ValueError(scenario)
    return RENDERERS[api](kind, int(n))


#: What marks the first frame that carries content, per API.
FIRST_DELTA = {
    "responses": b'"delta":"',
    "chat": b'"content":"H',
    "messages": b"event: content_block_delta\n",
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
    return None


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
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(payload), payload.encode())
            )
            return
        target = route(path) if method == "POST" else None
        if target is None:
            self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        _Stats.requests += 1
        head, rest = self.bodies.get(*target, True)
        self.transport.write(_STREAM_HEAD + head)
        if target[1] == "ttft":
            asyncio.get_running_loop().call_later(TTFT_PAUSE, self._later, rest)
        elif rest:
            self.transport.write(rest)

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
        if target is None:
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
