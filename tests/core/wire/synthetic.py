"""Synthetic streams for the wire shapes no recording happens to show: the helpers that
write them and parse them whole and byte by byte (same events required), through the
invariant checker."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.wire.parser import StreamParser
from tests.invariants import check_invariants

#: A short streamed piece of text, for the random-stream properties.
PIECE = st.text(min_size=1, max_size=6)


def sse(*objs: Any, done: bool = True, event: str | None = None) -> bytes:
    out = []
    for obj in objs:
        head = f"event: {event}\n" if event else ""
        out.append(f"{head}data: {json.dumps(obj)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def run(api: Any, body: bytes) -> tuple[list[StreamEvent], StreamParser]:
    parser = StreamParser(api)
    events = parser.feed(body)
    events += parser.close()
    bytewise = StreamParser(api)
    again: list[StreamEvent] = []
    for i in range(len(body)):
        again += bytewise.feed(body[i : i + 1])
    again += bytewise.close()
    assert again == events
    assert type(bytewise.failure) is type(parser.failure)
    check_invariants(events, finished=parser.failure is None)
    return events, parser


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, index: int = 0, **extra: Any
) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "delta": delta or {}, "finish_reason": finish}
    return {"id": "c1", "model": "m", "choices": [choice], **extra}


def tc(
    index: int | None = None,
    id: str | None = None,
    name: str | None = None,
    args: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "function", "function": {}}
    if index is not None:
        out["index"] = index
    if id is not None:
        out["id"] = id
    if name is not None:
        out["function"]["name"] = name
    if args is not None:
        out["function"]["arguments"] = args
    return out


def calls(parser: StreamParser) -> list[tuple[int, str | None, str | None, str]]:
    return [(c.index, c.id, c.name, c.arguments) for c in parser.result.tool_calls]


def resp(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def terminal(
    kind: str = "response.completed", output: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return resp(
        kind,
        response={
            "id": "r1",
            "model": "m",
            "output": output or [],
            "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
            **extra,
        },
    )
