"""Events are the one channel: through the clients (sync and async) on recorded bytes, the
finish event carries the whole result (what ``stream.result`` says, server tools,
citations and usage as billed included), so a consumer reads events alone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from lemon_adapters import (
    AsyncLemonDataClient,
    Citation,
    Finish,
    LemonDataClient,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
)
from tests.conftest import RECORDINGS
from tests.invariants import check_invariants

CASES = {
    "messages": RECORDINGS
    / "messages"
    / "wire"
    / "msg__anthropic_claude-opus-4.1__web_search+citations-no-ping__llm-anthropic__0.body",
    "responses": RECORDINGS
    / "wire"
    / "resp__openai_gpt-5__web-search-builtin-tool__pydantic-ai__0.body",
}


def transport(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            headers={"content-type": "text/event-stream", "x-cache-status": "MISS"},
            content=body,
        )
    )


def run(api: str, mode: str) -> tuple[list[StreamEvent], Any]:
    body = CASES[api].read_bytes()
    call: dict[str, Any] = {
        "model": "m",
        "messages": [{"role": "user", "content": "q"}],
        "api": api,
    }
    if mode == "sync":
        client = LemonDataClient(
            api_key="sk-test-1", http_client=httpx.Client(transport=transport(body))
        )
        with client.stream(**call) as stream:
            events = list(stream)
            return events, stream.result

    async def go() -> tuple[list[StreamEvent], Any]:
        http = httpx.AsyncClient(transport=transport(body))
        client = AsyncLemonDataClient(api_key="sk-test-1", http_client=http)
        async with client.stream(**call) as stream:
            events = [e async for e in stream]
            return events, stream.result

    return asyncio.run(go())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("api", sorted(CASES))
def test_the_finish_event_carries_the_whole_result(api: str, mode: str) -> None:
    events, result = run(api, mode)
    check_invariants(events)
    finish = events[-1]
    assert isinstance(finish, Finish)
    assert finish.result == result
    assert finish.result.cache_status == "MISS"  # the headers' facts too
    assert finish.result.server_tool_calls == [e for e in events if isinstance(e, ServerToolCall)]
    assert len(finish.result.server_tool_calls) == 1
    assert finish.result.server_tool_results == [
        e for e in events if isinstance(e, ServerToolResult)
    ]
    assert finish.result.citations == [e for e in events if isinstance(e, Citation)]
    if api == "messages":
        assert len(finish.result.citations) == 5
