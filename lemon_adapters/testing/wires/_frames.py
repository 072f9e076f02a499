"""SSE frame writing shared by the renderers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

#: One frame of a rendered stream and whether it carries a delta (where pacing applies).
Frame = tuple[bytes, bool]
Frames = Iterator[Frame]

#: Ids for responses, requests and calls: unique within the process.
ids = itertools.count(1)


def sse(obj: Any, event: str | None = None) -> bytes:
    """One SSE frame: an optional ``event:`` line and compact JSON ``data:``."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def padded(obj: Any, event: str, i: int) -> bytes:
    """A frame as Anthropic's API writes it: ``event:`` line, compact JSON, and 0 to 15
    spaces before the closing brace (the recordings in tests/recordings/messages/wire show
    this padding on almost every frame; here it follows a fixed pattern)."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    pad = " " * ((i * 7 + 3) % 16)
    return f"event: {event}\ndata: {data[:-1]}{pad}}}\n\n".encode()


def data_of(frame: bytes) -> Any:
    """The JSON a frame carries."""
    return json.loads(frame.split(b"data: ", 1)[1])
