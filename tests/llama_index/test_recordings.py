"""Every real recorded stream in ``tests/recordings/wire`` through ``LemonData``.

The recorded bytes are served by an ``httpx.MockTransport`` (an injected client) in small
pieces; the chunks LlamaIndex would see must keep the streaming contract on each step and
end in exactly what the core parses from the same body, or fail with the core's typed
error whose ``partial`` matches the last chunk.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock, ToolCallBlock

from lemon_adapters import LemonDataError
from lemon_adapters.core.parser import parse_body
from lemon_adapters.llama_index import LemonData

from ..conftest import WIRE

INDEX = json.loads((WIRE / "index.json").read_text())
STREAMS = [e for e in INDEX if e["stream"] and e["status"] == 200]


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body in 7-byte pieces, so events and UTF-8 characters straddle reads."""

    def __init__(self, body: bytes) -> None:
        self._pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def _llm(entry: dict[str, Any]) -> LemonData:
    body = (WIRE / entry["file"]).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Pieces(body)
        )

    transport = httpx.MockTransport(handler)
    return LemonData(
        model="recorded",
        api=entry["api"],
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )


def _state(chunk: ChatResponse) -> tuple[str, str, list[tuple[Any, str, Any]]]:
    message = chunk.message
    thinking = "".join(b.content or "" for b in message.blocks if isinstance(b, ThinkingBlock))
    calls = [
        (b.tool_call_id, b.tool_name, b.tool_kwargs)
        for b in message.blocks
        if isinstance(b, ToolCallBlock)
    ]
    return message.content or "", thinking, calls


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
def test_recorded_stream_through_llama_index(entry: dict[str, Any], mode: str) -> None:
    llm = _llm(entry)
    messages = [ChatMessage(role="user", content="replay")]
    chunks: list[ChatResponse] = []

    async def consume_async() -> None:
        async for chunk in await llm.astream_chat(messages):
            chunks.append(chunk)

    def consume_sync() -> None:
        chunks.extend(llm.stream_chat(messages))

    error: LemonDataError | None = None
    try:
        consume_sync() if mode == "sync" else asyncio.run(consume_async())
    except LemonDataError as exc:
        error = exc

    text = thinking = ""
    for chunk in chunks:
        text += chunk.delta or ""
        thinking += chunk.additional_kwargs.get("thinking_delta", "")
        content, shown_thinking, calls = _state(chunk)
        assert content == text
        assert shown_thinking == thinking
        listed = chunk.message.additional_kwargs.get("tool_calls", [])
        assert [
            (t["id"], t["function"]["name"], t["function"]["arguments"]) for t in listed
        ] == calls

    expected = parse_body(entry["api"], (WIRE / entry["file"]).read_bytes())
    result = expected.result
    if error is not None:
        assert expected.failure is not None, f"adapter failed where the core did not: {error}"
        assert error.partial is not None
        result = error.partial
    else:
        assert expected.failure is None
        assert chunks, "a finished stream yields at least its final chunk"
        final = chunks[-1]
        assert final.raw["finish_reason"] == result.finish_reason
        usage = result.usage
        assert final.raw["usage"] == (
            None
            if usage is None
            else {
                "prompt_tokens": usage.input_tokens,
                "completion_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens,
                "cached_tokens": usage.cached_tokens,
                "reasoning_tokens": usage.reasoning_tokens,
            }
        )
    content, shown_thinking, calls = _state(chunks[-1]) if chunks else ("", "", [])
    assert content == result.text + result.refusal
    assert shown_thinking == result.reasoning
    assert calls == [(c.id, c.name or "", c.arguments) for c in result.tool_calls]
