"""The OpenAI Responses API as LemonData streams it: typed events ending in
``response.completed`` (with usage), each with a ``sequence_number``."""

from __future__ import annotations

import itertools
from typing import Any

from ..replies import Reply, deltas, estimate_tokens
from ._frames import Frames, data_of, ids, sse

ROUTE = "/responses"


class _Stream:
    """The frames of one response: its id, sequence numbers and finished output items."""

    def __init__(self, reply: Reply, model: str) -> None:
        self.reply = reply
        self.rid = f"resp_{next(ids):08d}"
        self.seq = itertools.count()
        self.output: list[dict[str, Any]] = []
        self.base: dict[str, Any] = {
            "id": self.rid,
            "object": "response",
            "model": model,
            "output": [],
            "usage": None,
        }

    def ev(self, kind: str, **fields: Any) -> bytes:
        return sse({"type": kind, **fields, "sequence_number": next(self.seq)}, kind)

    def item(self, added: dict[str, Any], body: Frames, done: dict[str, Any]) -> Frames:
        """One output item: added, its body frames, done."""
        index = len(self.output)
        yield self.ev("response.output_item.added", output_index=index, item=added), False
        yield from body
        yield self.ev("response.output_item.done", output_index=index, item=done), False
        self.output.append(done)

    def reasoning(self) -> Frames:
        text = self.reply.full_reasoning
        item_id, index = f"rs_{self.rid}_{len(self.output)}", len(self.output)
        where = {"item_id": item_id, "output_index": index, "summary_index": 0}

        def body() -> Frames:
            part = {"type": "summary_text", "text": ""}
            yield self.ev("response.reasoning_summary_part.added", **where, part=part), False
            for piece in deltas(self.reply.reasoning, self.reply.chunk_chars):
                yield self.ev("response.reasoning_summary_text.delta", **where, delta=piece), True
            yield self.ev("response.reasoning_summary_text.done", **where, text=text), False

        added = {"id": item_id, "type": "reasoning", "summary": []}
        done = {**added, "summary": [{"type": "summary_text", "text": text}]}
        yield from self.item(added, body(), done)

    def message(self) -> Frames:
        text = self.reply.full_text
        item_id, index = f"msg_{self.rid}_{len(self.output)}", len(self.output)
        where = {"item_id": item_id, "output_index": index, "content_index": 0}
        part = {"type": "output_text", "text": text, "annotations": []}

        def body() -> Frames:
            empty = {**part, "text": ""}
            yield self.ev("response.content_part.added", **where, part=empty), False
            for piece in deltas(self.reply.text, self.reply.chunk_chars):
                yield self.ev("response.output_text.delta", **where, delta=piece, logprobs=[]), True
            yield self.ev("response.output_text.done", **where, text=text, logprobs=[]), False
            yield self.ev("response.content_part.done", **where, part=part), False

        added: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        yield from self.item(added, body(), {**added, "status": "completed", "content": [part]})

    def call(self, n: int) -> Frames:
        name, pieces_ = self.reply.tool_calls[n]
        arguments = self.reply.arguments()[n][1]
        item_id, index = f"fc_{self.rid}_{len(self.output)}", len(self.output)
        where = {"item_id": item_id, "output_index": index}

        def body() -> Frames:
            for piece in deltas(pieces_, self.reply.chunk_chars):
                yield self.ev("response.function_call_arguments.delta", **where, delta=piece), True
            yield (
                self.ev("response.function_call_arguments.done", **where, arguments=arguments),
                False,
            )

        added: dict[str, Any] = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "call_id": f"call_{self.rid}_{n}",
            "name": name,
            "arguments": "",
        }
        done = {**added, "status": "completed", "arguments": arguments}
        yield from self.item(added, body(), done)

    def completed(self) -> bytes:
        reply, out = self.reply, self.reply.completion_tokens()
        usage = {
            "input_tokens": reply.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": _reasoning_tokens(reply)},
            "total_tokens": reply.input_tokens + out,
        }
        final = {**self.base, "status": "completed", "output": self.output, "usage": usage}
        return self.ev("response.completed", response=final)


def _reasoning_tokens(reply: Reply) -> int:
    return estimate_tokens(reply.full_reasoning)


def render(reply: Reply, model: str) -> Frames:
    """Responses API frames as ``(bytes, is_delta)``: reasoning, message, function calls."""
    stream = _Stream(reply, model)
    yield stream.ev("response.created", response={**stream.base, "status": "in_progress"}), False
    yield (
        stream.ev("response.in_progress", response={**stream.base, "status": "in_progress"}),
        False,
    )
    if reply.full_reasoning:
        yield from stream.reasoning()
    if reply.full_text:
        yield from stream.message()
    for n in range(len(reply.tool_calls)):
        yield from stream.call(n)
    yield stream.completed(), False


def complete(reply: Reply, model: str) -> dict[str, Any]:
    """The non-streamed answer: the ``response`` of ``response.completed``."""
    frames = [frame for frame, _ in render(reply, model)]
    return dict(data_of(frames[-1])["response"])
