"""Anthropic Messages as LemonData's native Claude route streams it: ``message_start``,
thinking (with a signature), text and ``tool_use`` content blocks, ``message_delta``
(stop reason, usage) and ``message_stop``. Its keep-alive is a ``ping`` event."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from ..replies import Reply, deltas
from ._frames import Frames, data_of, ids, padded, sse

ROUTE = "/messages"
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


class _Stream:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.count = 0  # frames written (the padding pattern follows it)
        self.blocks = 0

    def ev(self, kind: str, **fields: Any) -> bytes:
        obj = {"type": kind, **fields}
        self.count += 1
        return padded(obj, kind, self.count - 1) if self.reply.wire_padding else sse(obj, kind)

    def block(self, start: dict[str, Any], items: list[dict[str, Any]]) -> Frames:
        """One content block: start, its deltas, stop."""
        index = self.blocks
        yield self.ev("content_block_start", index=index, content_block=start), False
        if index == 0 and self.reply.wire_padding:
            self.count += 1
            yield PING, False
        for delta in items:
            frame = self.ev("content_block_delta", index=index, delta=delta)
            yield frame, delta["type"] != "signature_delta"
        yield self.ev("content_block_stop", index=index), False
        self.blocks += 1


def render(reply: Reply, model: str) -> Frames:
    """Messages frames as ``(bytes, is_delta)``."""
    mid = f"msg_{next(ids):08d}"
    stream = _Stream(reply)
    message: dict[str, Any] = {
        "id": mid,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
    }
    yield stream.ev("message_start", message=message), False
    size = reply.chunk_chars
    if reply.full_reasoning:
        items = [{"type": "thinking_delta", "thinking": p} for p in deltas(reply.reasoning, size)]
        items.append({"type": "signature_delta", "signature": signature_of(reply.full_reasoning)})
        yield from stream.block({"type": "thinking", "thinking": "", "signature": ""}, items)
    if reply.full_text:
        items = [{"type": "text_delta", "text": p} for p in deltas(reply.text, size)]
        yield from stream.block({"type": "text", "text": ""}, items)
    for n, (name, arguments) in enumerate(reply.tool_calls):
        start = {"type": "tool_use", "id": f"toolu_{mid}_{n}", "name": name, "input": {}}
        items = [{"type": "input_json_delta", "partial_json": p} for p in deltas(arguments, size)]
        yield from stream.block(start, items)
    stop = "tool_use" if reply.tool_calls else "end_turn"
    yield (
        stream.ev(
            "message_delta",
            delta={"stop_reason": stop, "stop_sequence": None},
            usage={"output_tokens": reply.completion_tokens()},
        ),
        False,
    )
    yield stream.ev("message_stop"), False


def signature_of(thinking: str) -> str:
    """A stand-in signature for a thinking block (deterministic; the real one is opaque)."""
    return base64.b64encode(b"lemon-dev:" + hashlib.sha256(thinking.encode()).digest()).decode()


def complete(reply: Reply, model: str) -> dict[str, Any]:
    """The non-streamed Messages answer: the stream's blocks folded whole."""
    events = [data_of(frame) for frame, _ in render(reply, model)]
    message = dict(events[0]["message"])
    blocks: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["type"] == "content_block_start":
            blocks[event["index"]] = dict(event["content_block"])
        elif event["type"] == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            for key in ("text", "thinking", "signature"):
                if key in delta:
                    block[key] = block.get(key, "") + delta[key]
            if "partial_json" in delta:
                block["_json"] = block.get("_json", "") + delta["partial_json"]
        elif event["type"] == "message_delta":
            message.update(event["delta"])
            message["usage"] = {**message["usage"], **event["usage"]}
    for block in blocks.values():
        if "_json" in block:
            block["input"] = json.loads(block.pop("_json") or "{}")
    message["content"] = [blocks[i] for i in sorted(blocks)]
    return message
