"""A scripted fault server: raw HTTP/1.1 written by hand on an asyncio loop, in a child
process of its own.

Every byte is under the test's control: real sockets on 127.0.0.1, real chunked transfer,
keep-alive, and faults at exact byte offsets. Streams are rendered with the dev server's
LemonData-shaped frames (:func:`lemon_adapters.testing.server.render_responses` /
``render_chat``), then cut, stalled, paused or corrupted as a :class:`Step` says.

A test scripts a model name (unique per test) with one :class:`Step` per request; the last
step repeats. ``GET /responses/{id}?stream=true&starting_after=N`` resumes a background
response from its stored frames (also driven by the model's next step).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import multiprocessing
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lemon_adapters.testing.server import (
    Reply,
    complete_object,
    error_reply,
    render_chat,
    render_messages,
    render_responses,
)

TEXT = (
    "Lemons are citrus fruits, rich in vitamin C, and their juice is about five percent "
    "citric acid, which gives them a sour taste. Zest, juice and peel all find uses in "
    "cooking, cleaning and perfume."
)
#: A stall lasts until the client hangs up, or this long at most.
STALL_LIMIT = 30.0

Cut = int | tuple[int, int]  # body bytes, or (whole frames, extra bytes of the next frame)


@dataclass(kw_only=True)
class Step:
    """What the server does for one request.

    Attributes:
        status: HTTP status; >= 400 answers ``{"error": error}`` as JSON.
        error: LemonData's error object for an error status.
        headers: extra response headers (``Retry-After`` ...).
        content_type: override the content type.
        raw: send this body as-is (an HTML page ...) instead of a stream.
        text: the streamed answer.
        chunk_chars: characters per text delta.
        drop_after: close the socket after this much of the body.
        stall_after: stop sending after this much of the body, until the client hangs up.
        pad_every: during that stall, send padding every this many seconds (``0``: silence).
        padding: what is sent then (``: keep-alive`` comments; Messages' ``ping`` frames).
        pause: seconds to sleep before each chunk after the first (a slow, healthy stream).
        split: bytes per chunk (default: one frame per chunk).
        inject: ``(frame index, bytes)`` inserted before that frame (bad JSON, bad UTF-8).
        truncate: end the body cleanly but without the terminal frame(s).
        stream_error: ``(frame index, error object)``: an in-stream error event there, then
            the end of the body.
        overlap: on a resume GET, also replay this many events at or before
            ``starting_after`` (the client must skip them).
    """

    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    raw: bytes | None = None
    text: str = TEXT
    chunk_chars: int = 4
    drop_after: Cut | None = None
    stall_after: Cut | None = None
    pad_every: float = 0.0
    padding: bytes = b": keep-alive\n\n"
    pause: float = 0.0
    split: int | None = None
    inject: tuple[int, bytes] | None = None
    truncate: bool = False
    stream_error: tuple[int, dict[str, Any]] | None = None
    overlap: int = 0


def lemon_error(status: int, **fields: Any) -> Step:
    """An error step with the dev server's LemonData-shaped body for ``status`` (``fields``
    override it). Its ``retry_after`` hints are zeroed so retrying tests do not wait."""
    reply = error_reply(status, "gpt-4o-mni")
    error = dict(reply.error or {})
    if error.get("code") == str(status):  # no LemonData-specific body for this status
        error = {"message": f"HTTP {status}", "type": "api_error"}
    if "retry_after" in error:
        error["retry_after"] = 0
    headers = fields.pop("headers", {})
    return Step(status=status, error={**error, **fields}, headers=headers)


def frames(api: str, step: Step, model: str = "m") -> list[bytes]:
    """The SSE frames a healthy ``step`` streams (before any fault is applied)."""
    render = {"responses": render_responses, "messages": render_messages}.get(api, render_chat)
    return [
        frame for frame, _ in render(Reply(text=step.text, chunk_chars=step.chunk_chars), model)
    ]


def terminal_count(api: str) -> int:
    """How many trailing frames make up the terminal part of a healthy stream."""
    # completed | message_delta, message_stop | finish chunk, usage chunk, [DONE]
    return {"responses": 1, "messages": 2}.get(api, 3)


def text_frames(api: str, step: Step) -> list[int]:
    """Indexes of the frames that carry a text delta."""
    marker = {"responses": b"output_text.delta", "messages": b'"text_delta"'}.get(
        api, b'"content":"'
    )
    return [i for i, f in enumerate(frames(api, step)) if marker in f and b'"content":""' not in f]


def _seq(frame: bytes) -> int | None:
    for line in frame.split(b"\n"):
        if line.startswith(b"data: {"):
            value = json.loads(line[6:]).get("sequence_number")
            return value if isinstance(value, int) else None
    return None


def _error_frame(api: str, error: dict[str, Any]) -> bytes:
    if api == "responses":
        payload = {**error, "type": "error", "sequence_number": 100_000}
        return f"event: error\ndata: {json.dumps(payload)}\n\n".encode()
    return f"data: {json.dumps({'error': error})}\n\n".encode()


class Stats:
    """What the server saw (written on the server loop; a snapshot crosses to the tests)."""

    def __init__(self) -> None:
        self.connections_opened = 0
        self.open_connections = 0
        self.open_ids: set[int] = set()
        self.requests: list[dict[str, Any]] = []
        self.per_model: dict[str, int] = defaultdict(int)


class FaultServer:
    """The server, run in a child process. Use as a context manager; ``base_url`` ends in
    ``/v1``.

    The child has an interpreter of its own: a test that drives a thousand client streams
    on its event loop must not be able to starve the server of the GIL (a new connection
    then waits seconds to be accepted, and a healthy retry meets its idle timeout). Every
    method below is a request over a pipe to the child, answered in order.
    """

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(target=_child, args=(child,), daemon=True, name="faults")
        self._lock = threading.Lock()
        self.port = 0

    def __enter__(self) -> FaultServer:
        self._process.start()
        self.port = self._ask("port")
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._ask("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def _ask(self, command: str, *args: Any) -> Any:
        with self._lock:
            self._pipe.send((command, args))
            ok, value = self._pipe.recv()
        if not ok:
            raise RuntimeError(f"fault server: {command} failed: {value}")
        return value

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def stats(self) -> Stats:
        """A snapshot of what the server saw so far."""
        stats: Stats = self._ask("stats")
        return stats

    def script(self, model: str, *steps: Step) -> str:
        """Answer requests for ``model`` with ``steps`` in order (the last one repeats)."""
        self._ask("script", model, steps)
        return model

    def register_response(self, response_id: str, model: str, api: str = "responses") -> None:
        """Route ``GET /responses/{response_id}`` to ``model``'s script (raw recordings)."""
        self._ask("register_response", response_id, model, api)

    def requests_for(self, model: str) -> list[dict[str, Any]]:
        """The requests seen for ``model`` (method, path, query, body, connection id)."""
        requests: list[dict[str, Any]] = self._ask("requests_for", model)
        return requests

    def wait_closed(self, model: str, limit: float = 10.0) -> set[int]:
        """Poll until every connection that served ``model`` is closed; return those still open."""
        still: set[int] = self._ask("wait_closed", model, limit)
        return still

    def wait_until_idle(self, limit: float = 10.0) -> int:
        """Poll until no connection is open (or ``limit`` passes); return how many remain."""
        left: int = self._ask("wait_until_idle", limit)
        return left


def _child(pipe: Connection) -> None:
    """The child process: serve on a loop thread, answer the pipe on the main thread."""
    server = _Server()
    server.start()
    try:
        while True:
            command, args = pipe.recv()
            try:
                if command == "stop":
                    server.stop()
                    pipe.send((True, None))
                    return
                value = server.port if command == "port" else getattr(server, command)(*args)
                pipe.send((True, value))
            except Exception as exc:  # reported to the test, which raises it
                pipe.send((False, repr(exc)))
    except EOFError:  # the test process is gone
        server.stop()


class _Server:
    """The serving side, inside the child process."""

    def __init__(self) -> None:
        self._stats = Stats()
        self._scripts: dict[str, list[Step]] = {}
        self._background: dict[str, tuple[str, str, list[bytes]]] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="fault-server"
        )
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop
        ).result()
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # -- the commands -----------------------------------------------------------------------

    def _on_loop(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` run on the server loop: state is only ever read where it is written."""

        async def call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result()

    def stats(self) -> Stats:
        return self._on_loop(lambda: copy.deepcopy(self._stats))  # type: ignore[no-any-return]

    def script(self, model: str, steps: tuple[Step, ...]) -> None:
        self._on_loop(lambda: self._scripts.__setitem__(model, list(steps) or [Step()]))

    def register_response(self, response_id: str, model: str, api: str) -> None:
        self._on_loop(lambda: self._background.__setitem__(response_id, (model, api, [])))

    def requests_for(self, model: str) -> list[dict[str, Any]]:
        return self._on_loop(  # type: ignore[no-any-return]
            lambda: copy.deepcopy([r for r in self._stats.requests if r["model"] == model])
        )

    def _open_of(self, model: str) -> set[int]:
        return self._on_loop(  # type: ignore[no-any-return]
            lambda: (
                {int(r["conn"]) for r in self._stats.requests if r["model"] == model}
                & self._stats.open_ids
            )
        )

    def wait_closed(self, model: str, limit: float) -> set[int]:
        end = time.monotonic() + limit
        while (still := self._open_of(model)) and time.monotonic() < end:
            time.sleep(0.005)
        return still

    def wait_until_idle(self, limit: float) -> int:
        end = time.monotonic() + limit
        while (left := self._on_loop(lambda: self._stats.open_connections)) and (
            time.monotonic() < end
        ):
            time.sleep(0.01)
        return left  # type: ignore[no-any-return]

    # -- serving (server loop) -----------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        stats = self._stats
        stats.connections_opened += 1
        stats.open_connections += 1
        conn = stats.connections_opened
        stats.open_ids.add(conn)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while await self._one_request(reader, writer, conn):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            stats.open_connections -= 1
            stats.open_ids.discard(conn)
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: int
    ) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        body_bytes = await reader.readexactly(length) if length else b""
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body: dict[str, Any] = json.loads(body_bytes) if body_bytes else {}
        path = url.path.rstrip("/")
        if method == "GET" and "/responses/" in path:
            rid = path.rsplit("/", 1)[1]
            model, api, stored = self._background.get(rid, ("", "responses", []))
        else:
            model = str(body.get("model", ""))
            api = "chat" if path.endswith("/chat/completions") else "responses"
            api = "messages" if path.endswith("/messages") else api
            stored = []
        self._stats.requests.append(
            {
                "method": method,
                "path": path,
                "query": query,
                "body": body,
                "model": model,
                "api": api,
                "conn": conn,
                "headers": headers,
            }
        )
        steps = self._scripts.get(model, [Step()])
        step = steps[min(self._stats.per_model[model], len(steps) - 1)]
        self._stats.per_model[model] += 1
        if step.raw is not None:
            return await self._send_raw(writer, step)
        if step.status >= 400:
            await self._send_json(writer, step.status, {"error": step.error}, step.headers)
            return True
        if method == "POST" and body.get("stream") is False:
            reply = Reply(text=step.text, chunk_chars=step.chunk_chars)
            await self._send_json(writer, 200, complete_object(api, reply, model), step.headers)
            return True
        if method == "GET":
            after = int(query.get("starting_after", "-1"))
            chosen = [f for f in stored if (_seq(f) or 0) > after - step.overlap]
        else:
            chosen = frames(api, step, model)
            if body.get("background"):
                first = json.loads(chosen[0].split(b"data: ", 1)[1])
                self._background[first["response"]["id"]] = (model, api, chosen)
        return await self._stream(reader, writer, api, step, chosen)

    async def _send_json(
        self, writer: asyncio.StreamWriter, status: int, obj: Any, headers: dict[str, str]
    ) -> None:
        data = json.dumps(obj).encode()
        head = _head(
            status,
            {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers},
        )
        writer.write(head + data)
        await writer.drain()

    async def _send_raw(self, writer: asyncio.StreamWriter, step: Step) -> bool:
        """``raw`` as the body (Content-Length framing); ``drop_after`` (bytes) cuts it."""
        assert step.raw is not None
        head = _head(
            step.status,
            {
                "Content-Type": step.content_type or "text/html",
                "Content-Length": str(len(step.raw)),
                **step.headers,
            },
        )
        cut = step.drop_after if isinstance(step.drop_after, int) else None
        writer.write(head + step.raw[:cut])
        await writer.drain()
        return cut is None

    async def _stream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        api: str,
        step: Step,
        chosen: list[bytes],
    ) -> bool:
        body_frames = list(chosen)
        if step.truncate:
            body_frames = body_frames[: -terminal_count(api)]
        if step.stream_error is not None:
            at, error = step.stream_error
            body_frames = [*body_frames[:at], _error_frame(api, error)]
        if step.inject is not None:
            at, data = step.inject
            body_frames.insert(at, data)
        body = b"".join(body_frames)
        drop = _offset(step.drop_after, body_frames)
        stall = _offset(step.stall_after, body_frames)
        limit = min(x for x in (drop, stall, len(body)) if x is not None)
        head = _head(
            200,
            {
                "Content-Type": step.content_type or "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "Transfer-Encoding": "chunked",
                "X-Request-Id": "req_fault",
                **step.headers,
            },
        )
        writer.write(head)
        await writer.drain()
        for n, piece in enumerate(_pieces(body[:limit], body_frames, step.split)):
            if n and step.pause:
                await asyncio.sleep(step.pause)
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        if drop is not None and limit == drop:
            return False  # hang up mid-body: the client sees an incomplete chunked message
        if stall is not None and limit == stall:
            if step.pad_every:
                await _pad(reader, writer, step)
                return False
            with contextlib.suppress(asyncio.TimeoutError):
                while await asyncio.wait_for(reader.read(65536), STALL_LIMIT):
                    pass
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


async def _pad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, step: Step) -> None:
    """A stall padded with keep-alives: ``step.padding`` every ``step.pad_every`` seconds,
    until the client hangs up (or :data:`STALL_LIMIT`)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + STALL_LIMIT
    chunk = b"%x\r\n%s\r\n" % (len(step.padding), step.padding)
    with contextlib.suppress(ConnectionError):
        while loop.time() < end:
            writer.write(chunk)
            await writer.drain()
            try:
                if not await asyncio.wait_for(reader.read(65536), step.pad_every):
                    return  # the client hung up
            except asyncio.TimeoutError:
                pass


def _head(status: int, headers: dict[str, str]) -> bytes:
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        404: "Not Found",
        405: "Method Not Allowed",
        408: "Request Timeout",
        409: "Conflict",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
        500: "Internal Server Error",
        501: "Not Implemented",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _offset(cut: Cut | None, body_frames: list[bytes]) -> int | None:
    if cut is None or isinstance(cut, int):
        return cut
    whole, extra = cut
    return sum(len(f) for f in body_frames[:whole]) + extra


def _pieces(body: bytes, body_frames: list[bytes], split: int | None) -> Iterator[bytes]:
    if split:
        for i in range(0, len(body), split):
            yield body[i : i + split]
        return
    pos = 0
    for frame in body_frames:
        if pos >= len(body):
            return
        yield body[pos : pos + len(frame)]
        pos += len(frame)
