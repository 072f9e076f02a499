"""A streaming web chat: LemonData -> ChatLemonData.astream -> SSE -> the browser.

Run it with ``python examples/web_chat/app.py`` and open the printed address. Without
``LEMONDATA_API_KEY`` it starts the package's local LemonData-shaped server and says so.

The pattern, and why each part is there:

- ``POST /api/chat`` starts a *run*: a background task that streams the model turn (and a
  tool round-trip) into a per-run event log. The HTTP request that started it can go away
  without losing the answer.
- ``GET /api/runs/{id}/events?after=N`` relays that log as Server-Sent Events, each with an
  ``id``. A browser whose connection drops reconnects with ``after`` set to the last id it
  saw, so it gets every event exactly once: no lost and no duplicated text.
- The page (``index.html``) reads the body with ``fetch`` and a streaming ``TextDecoder``,
  buffers partial lines across network chunks, and stops at the ``end`` event.

Two switches exist to show (and test) that the page copes with real networks:
``split_frames`` sends every SSE frame in two network writes, cut inside a multi-byte
UTF-8 character where there is one, and ``drop_after`` cuts each run's first event stream
after that many events, as a flaky proxy would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from lemon_adapters.langchain import ChatLemonData

HERE = Path(__file__).resolve().parent
SYSTEM = "You are a concise assistant. Use get_weather for weather questions."


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Args:
        city: the city name.
        unit: the temperature unit.
    """
    # Canned weather, so the example runs anywhere.
    return f"{city}: 21°C, clear skies" if unit == "celsius" else f"{city}: 70°F, clear skies"


@dataclass
class Run:
    """One assistant turn: its event log and who is waiting for more of it."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    done: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    streams_opened: int = 0

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))
        self.changed.set()


class ChatRelay:
    """Runs turns against LemonData and relays their events.

    Args:
        model: the LemonData model name.
        api: ``"responses"`` or ``"chat"``.
        api_key: the key (``None``: ``LEMONDATA_API_KEY``).
        base_url: the gateway URL (``None``: ``LEMONDATA_BASE_URL`` or the public API).
        split_frames: send each SSE frame in two network writes (see the module docstring).
        drop_after: cut each run's first event stream after this many events.
    """

    def __init__(
        self,
        *,
        model: str,
        api: str = "responses",
        api_key: str | None = None,
        base_url: str | None = None,
        split_frames: bool = False,
        drop_after: int | None = None,
    ) -> None:
        self.model = model
        self.api = api
        self.api_key = api_key
        self.base_url = base_url
        self.split_frames = split_frames
        self.drop_after = drop_after
        self.runs: dict[str, Run] = {}
        # One model for every turn: its connection pool is reused from turn to turn.
        self.llm = ChatLemonData(
            model=model,
            api=api,  # type: ignore[arg-type]
            api_key=api_key,  # type: ignore[arg-type]
            base_url=base_url,
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, history: list[dict[str, str]]) -> str:
        run_id = secrets.token_urlsafe(8)
        run = self.runs[run_id] = Run()
        task = asyncio.create_task(self._produce(run, history))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run_id

    async def _produce(self, run: Run, history: list[dict[str, str]]) -> None:
        try:
            await self._turn(run, history)
        except Exception as exc:  # the browser must hear about any failure, then stop
            run.emit("error", {"message": str(exc), "type": type(exc).__name__})
        finally:
            run.done = True
            run.changed.set()

    async def aclose(self) -> None:
        """Release the model's connections (the app calls this on shutdown)."""
        await self.llm.aclose()

    async def _turn(self, run: Run, history: list[dict[str, str]]) -> None:
        model = self.llm.bind_tools([get_weather])
        messages: list[BaseMessage] = [SystemMessage(SYSTEM)]
        for m in history:
            role = m["role"]
            messages.append(
                HumanMessage(m["content"]) if role == "user" else AIMessage(m["content"])
            )
        for _round in range(3):  # a tool round-trip, then the answer; never loop forever
            whole: AIMessageChunk | None = None
            async for chunk in model.astream(messages):
                assert isinstance(chunk, AIMessageChunk)
                whole = chunk if whole is None else whole + chunk
                if chunk.text:
                    run.emit("text", {"text": chunk.text})
                reasoning = chunk.additional_kwargs.get("reasoning_content")
                if reasoning:
                    run.emit("reasoning", {"text": reasoning})
                for part in chunk.tool_call_chunks:
                    run.emit(
                        "tool_call",
                        {
                            "index": part.get("index"),
                            "id": part.get("id"),
                            "name": part.get("name"),
                            "args": part.get("args") or "",
                        },
                    )
                if chunk.usage_metadata:
                    usage = chunk.usage_metadata
                    run.emit(
                        "usage",
                        {
                            "input_tokens": usage["input_tokens"],
                            "output_tokens": usage["output_tokens"],
                        },
                    )
            assert whole is not None
            if not whole.tool_calls:
                run.emit("end", {"finish_reason": whole.response_metadata.get("finish_reason")})
                return
            messages.append(whole)
            for call in whole.tool_calls:
                output = get_weather(**call["args"])
                run.emit("tool_result", {"id": call["id"], "name": call["name"], "output": output})
                messages.append(ToolMessage(output, tool_call_id=call["id"] or ""))
        run.emit("end", {"finish_reason": "tool_calls"})

    async def frames(self, run: Run, after: int) -> AsyncIterator[bytes]:
        """SSE frames of ``run`` with ids above ``after``, waiting for new ones."""
        run.streams_opened += 1
        cut = self.drop_after if run.streams_opened == 1 else None
        # A comment first, so proxies and the browser see the stream open at once.
        yield b": relay open\n\n"
        for sent, n in enumerate(itertools.count(after + 1)):
            while n > len(run.events):
                if run.done:
                    return
                run.changed.clear()
                await run.changed.wait()
            kind, data = run.events[n - 1]
            frame = (
                f"id: {n}\nevent: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            ).encode()
            if cut is not None and sent >= cut:
                # Half a frame, then a broken connection: what a flaky network delivers.
                yield frame[: len(frame) // 2]
                await asyncio.sleep(0.05)
                raise ConnectionAbortedError("simulated dropped connection (drop_after)")
            if self.split_frames:
                first, second = _split(frame)
                yield first
                await asyncio.sleep(0.01)  # two network writes, so two browser reads
                yield second
            else:
                yield frame
            if kind in ("end", "error"):
                return


def _split(frame: bytes) -> tuple[bytes, bytes]:
    """Cut ``frame`` inside a multi-byte UTF-8 character if it has one, else mid-line."""
    for i, byte in enumerate(frame):
        if byte & 0xC0 == 0x80:  # a continuation byte: cutting here splits a character
            return frame[:i], frame[i:]
    return frame[: len(frame) // 2], frame[len(frame) // 2 :]


def create_app(relay: ChatRelay) -> Starlette:
    """The ASGI app serving the page and the relay."""

    async def index(request: Request) -> Response:
        return FileResponse(HERE / "index.html", media_type="text/html; charset=utf-8")

    async def start_chat(request: Request) -> Response:
        body = await request.json()
        history = body.get("history")
        if not isinstance(history, list) or not history:
            return JSONResponse({"error": "history: a non-empty list of messages"}, 400)
        clean = [
            {"role": str(m.get("role")), "content": str(m.get("content"))}
            for m in history
            if isinstance(m, dict)
        ]
        return JSONResponse({"run": relay.start(clean)})

    async def events(request: Request) -> Response:
        run = relay.runs.get(request.path_params["run_id"])
        if run is None:
            return JSONResponse({"error": "unknown run"}, 404)
        after = int(request.query_params.get("after", "0"))
        return StreamingResponse(
            relay.frames(run, after),
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await relay.aclose()

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/api/chat", start_chat, methods=["POST"]),
            Route("/api/runs/{run_id}/events", events),
        ],
    )


def main() -> None:
    """Serve the chat on 127.0.0.1 (offline unless ``LEMONDATA_API_KEY`` is set)."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api", choices=["responses", "chat"], default="responses")
    parser.add_argument("--model", default=os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini"))
    parser.add_argument(
        "--drop-after",
        type=int,
        default=None,
        help="cut each first event stream after N events (shows the retry)",
    )
    args = parser.parse_args()
    server = None
    if not os.environ.get("LEMONDATA_API_KEY"):
        from offline_model import chat_responder

        from lemon_adapters.testing.server import DevServer

        server = DevServer(chat_responder, delay=0.04).start()
        os.environ["LEMONDATA_API_KEY"] = "sk-offline-example"
        os.environ["LEMONDATA_BASE_URL"] = server.base_url
        print(
            f"LEMONDATA_API_KEY is not set: answering from a local LemonData-shaped server "
            f"at {server.base_url}"
        )
    relay = ChatRelay(
        model=args.model, api=args.api, split_frames=server is not None, drop_after=args.drop_after
    )
    print(f"web chat on http://127.0.0.1:{args.port}/  (Ctrl-C stops)")
    try:
        uvicorn.run(create_app(relay), host="127.0.0.1", port=args.port, log_level="warning")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
