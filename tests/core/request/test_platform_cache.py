"""``platform_cache``: LemonData's own response cache, sent as its guide documents it (the
body's top-level ``cache_control: {"type": ...}``) on every route, refused before any
request when misspelled; and the cache headers reaching the result. Through the core
(sync and async), ``ChatLemonData`` and ``LemonData``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from lemon_adapters import AsyncLemonDataClient, LemonDataClient
from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.call import PLATFORM_CACHE_VALUES
from tests.conftest import RECORDINGS

BODIES = {
    "chat": RECORDINGS / "wire" / "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body",
    "responses": RECORDINGS / "wire" / "resp__openai_gpt-4o__text__fantasy__0.body",
    "messages": RECORDINGS
    / "messages"
    / "wire"
    / "msg__anthropic_claude-sonnet-4__text__fantasy__0.body",
}
HEADERS = {
    "content-type": "text/event-stream",
    "x-cache-status": "MISS",
    "x-upstream-cache-read": "1031",
    "x-upstream-cache-write": "17",
}


def transport(api: str, sent: list[dict[str, Any]]) -> httpx.MockTransport:
    body = BODIES[api].read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, headers=HEADERS, content=body)

    return httpx.MockTransport(handler)


def test_the_four_documented_values() -> None:
    assert PLATFORM_CACHE_VALUES == ("no_cache", "no_store", "response_only", "semantic_only")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("api", sorted(BODIES))
def test_the_core_sends_it_and_reads_the_cache_headers(api: str, mode: str) -> None:
    sent: list[dict[str, Any]] = []
    call = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "api": api}

    if mode == "sync":
        client = LemonDataClient(
            api_key="sk-test-1", http_client=httpx.Client(transport=transport(api, sent))
        )
        result = client.create(**call, platform_cache="no_store")  # type: ignore[arg-type]
    else:

        async def run() -> Any:
            http = httpx.AsyncClient(transport=transport(api, sent))
            client = AsyncLemonDataClient(api_key="sk-test-1", http_client=http)
            async with client.stream(**call, platform_cache="no_store") as stream:  # type: ignore[arg-type]
                async for _ in stream:
                    pass
                return stream.result

        result = asyncio.run(run())
    assert sent[0]["cache_control"] == {"type": "no_store"}
    assert (result.cache_status, result.upstream_cache_read, result.upstream_cache_write) == (
        "MISS",
        1031,
        17,
    )


@pytest.mark.parametrize("value", ["nocache", "NO_CACHE", "ephemeral", {"type": "no_cache"}])
def test_a_misspelled_value_is_refused_before_any_request(value: Any) -> None:
    sent: list[dict[str, Any]] = []
    client = LemonDataClient(
        api_key="sk-test-1", http_client=httpx.Client(transport=transport("chat", sent))
    )
    with pytest.raises(ConfigurationError, match="platform_cache must be one of"):
        client.create(model="m", messages=[{"role": "user", "content": "hi"}], platform_cache=value)
    assert sent == []


def test_it_cannot_be_combined_with_a_raw_cache_control() -> None:
    sent: list[dict[str, Any]] = []
    client = LemonDataClient(
        api_key="sk-test-1", http_client=httpx.Client(transport=transport("chat", sent))
    )
    with pytest.raises(ConfigurationError, match="both set"):
        client.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            platform_cache="no_cache",
            cache_control={"type": "ephemeral"},
        )
    assert sent == []


def test_chat_lemon_data_sends_it_and_reports_the_headers() -> None:
    from lemon_adapters.langchain import ChatLemonData

    sent: list[dict[str, Any]] = []
    llm = ChatLemonData(
        model="m",
        api="chat",
        api_key="sk-test-1",
        platform_cache="no_cache",
        http_client=httpx.Client(transport=transport("chat", sent)),
    )
    message = llm.invoke("hi")
    assert sent[0]["cache_control"] == {"type": "no_cache"}
    meta = message.response_metadata
    assert (meta["cache_status"], meta["upstream_cache_read"], meta["upstream_cache_write"]) == (
        "MISS",
        1031,
        17,
    )
    # Per call too, and a misspelled one is refused before sending.
    llm.invoke("hi", platform_cache="semantic_only")
    assert sent[1]["cache_control"] == {"type": "semantic_only"}
    with pytest.raises(ConfigurationError):
        llm.invoke("hi", platform_cache="semantic")
    assert len(sent) == 2
    with pytest.raises(ValueError, match="platform_cache"):
        ChatLemonData(model="m", api_key="sk-test-1", platform_cache="nocache")  # type: ignore[arg-type]


def test_lemon_data_sends_it_and_reports_the_headers() -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from lemon_adapters.llama_index import LemonData

    sent: list[dict[str, Any]] = []
    llm = LemonData(
        model="m",
        api="messages",
        api_key="sk-test-1",
        platform_cache="response_only",
        http_client=httpx.Client(transport=transport("messages", sent)),
    )
    response = llm.chat([ChatMessage(role="user", content="hi")])
    assert sent[0]["cache_control"] == {"type": "response_only"}
    raw = response.raw
    assert (raw["cache_status"], raw["upstream_cache_read"], raw["upstream_cache_write"]) == (  # type: ignore[index]
        "MISS",
        1031,
        17,
    )
    with pytest.raises(ValueError, match="platform_cache"):
        LemonData(model="m", api_key="sk-test-1", platform_cache="no-cache")
