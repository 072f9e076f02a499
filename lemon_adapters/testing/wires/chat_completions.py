"""OpenAI Chat Completions as LemonData streams it: chunks, a usage chunk with no
choices, then ``data: [DONE]``. Answers for a model with a native route (``claude-*``,
``gemini-*``) carry LemonData's hint headers (see :data:`..contract.NATIVE_ROUTES`)."""

from __future__ import annotations

import time
from typing import Any

from ..contract import NATIVE_ROUTES
from ..replies import Reply, deltas, estimate_tokens
from ._frames import Frames, data_of, ids, sse

ROUTE = "/chat/completions"


def render(reply: Reply, model: str) -> Frames:
    """Chat Completions frames as ``(bytes, is_delta)``."""
    cid = f"chatcmpl-{next(ids):08d}"
    head = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return sse({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    yield chunk({"role": "assistant", "content": ""}), False
    for piece in deltas(reply.reasoning, reply.chunk_chars):
        yield chunk({"reasoning_content": piece}), True
    for piece in deltas(reply.text, reply.chunk_chars):
        yield chunk({"content": piece}), True
    for n, (name, arguments) in enumerate(reply.tool_calls):
        first = {
            "index": n,
            "id": f"call_{cid}_{n}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        yield chunk({"tool_calls": [first]}), False
        for piece in deltas(arguments, reply.chunk_chars):
            yield chunk({"tool_calls": [{"index": n, "function": {"arguments": piece}}]}), True
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop"), False
    yield sse({**head, "choices": [], "usage": _usage(reply)}), False
    yield b"data: [DONE]\n\n", False


def _usage(reply: Reply) -> dict[str, Any]:
    out = reply.completion_tokens()
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": out,
        "total_tokens": reply.input_tokens + out,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": estimate_tokens(reply.full_reasoning)},
    }


def complete(reply: Reply, model: str) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.full_text or None}
    if reply.full_reasoning:
        message["reasoning_content"] = reply.full_reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{n}", "type": "function", "function": {"name": nm, "arguments": a}}
            for n, (nm, a) in enumerate(reply.arguments())
        ]
    frames = [frame for frame, _ in render(reply, model)]
    return {
        "id": f"chatcmpl-{next(ids):08d}",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": data_of(frames[-2])["usage"],
    }


def hint_headers(model: str) -> dict[str, str]:
    """LemonData's native-route hint headers for ``model`` (none for most models)."""
    family = model.split("/")[-1].split("-")[0].lower()
    if family not in NATIVE_ROUTES:
        return {}
    endpoint, hint = NATIVE_ROUTES[family]
    return {"X-LemonData-Native-Endpoint": endpoint, "X-LemonData-Hint": hint}
