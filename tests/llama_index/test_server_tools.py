"""Server tools, citations, usage as billed, CachePoint and VideoBlock through ``LemonData``
on the recorded bytes (streamed sync and async, and whole), and a paused web-search turn
continued with its blocks sent back verbatim."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import (
    CacheControl,
    CachePoint,
    ChatMessage,
    ChatResponse,
    CitationBlock,
    TextBlock,
    VideoBlock,
)

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.llama_index import LemonData
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying
from tests.parsing import parse_body

MESSAGES = RECORDINGS / "messages" / "wire"
WIRE = RECORDINGS / "wire"
WEB_SEARCH = (
    MESSAGES / "msg__anthropic_claude-opus-4.1__web_search+citations-no-ping__llm-anthropic__0.body"
)
RESP_SEARCH = WIRE / "resp__openai_gpt-5__web-search-builtin-tool__pydantic-ai__0.body"
USER = [ChatMessage(role="user", content="search")]


def llm_for(bodies: list[bytes], sent: list[dict[str, Any]], api: str) -> LemonData:
    transport = replaying(bodies, sent)
    return LemonData(
        model="recorded",
        api=api,
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )


def last(llm: LemonData, mode: str, messages: list[ChatMessage] = USER) -> ChatResponse:
    async def collect() -> list[ChatResponse]:
        out = [c async for c in await llm.astream_chat(messages)]
        await llm.aclose()
        return out

    chunks = list(llm.stream_chat(messages)) if mode == "sync" else asyncio.run(collect())
    return chunks[-1]


def recorded_citations(body: bytes) -> list[dict[str, Any]]:
    return [
        json.loads(line[5:])["delta"]["citation"]
        for line in body.decode().splitlines()
        if line.startswith("data:") and "citations_delta" in line
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_messages_web_search_citation_blocks_and_built_in_calls(mode: str) -> None:
    body = WEB_SEARCH.read_bytes()
    final = last(llm_for([body], [], "messages"), mode)
    cited = [b for b in final.message.blocks if isinstance(b, CitationBlock)]
    expected = recorded_citations(body)
    assert [(b.source, b.title) for b in cited] == [(c["url"], c["title"]) for c in expected]
    assert [b.cited_content.text for b in cited] == [c["cited_text"] for c in expected]  # type: ignore[union-attr]
    text = final.message.content or ""
    assert all(
        0 <= b.additional_location_info["start"] < b.additional_location_info["end"] <= len(text)
        for b in cited
    )
    [call] = final.message.additional_kwargs["built_in_tool_calls"]
    assert (call["name"], call["arguments"], call["status"]) == (
        "web_search",
        {"query": "San Francisco weather today"},
        "success",
    )
    assert call["type"] == "server_tool_use" and call["result_type"] == "web_search_tool_result"


def test_the_whole_answer_has_the_same_citations_and_calls() -> None:
    body = WEB_SEARCH.read_bytes()
    streamed = last(llm_for([body], [], "messages"), "sync")
    whole = llm_for([body], [], "messages").chat(USER)
    assert whole.message.blocks == streamed.message.blocks
    assert whole.message.additional_kwargs == streamed.message.additional_kwargs


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_responses_web_search_call_with_its_query(mode: str) -> None:
    final = last(llm_for([RESP_SEARCH.read_bytes()], [], "responses"), mode)
    [call] = final.message.additional_kwargs["built_in_tool_calls"]
    assert call["type"] == "web_search_call" and call["name"] == "web_search"
    assert call["arguments"]["query"] == "weather: San Francisco, CA"
    assert call["output"] == {"sources": [{"type": "api", "name": "oai-weather"}]}


def test_cache_writes_reads_and_billed_iterations_in_raw_usage() -> None:
    [written] = MESSAGES.glob("*max_tokens+cache_creation*.body")
    usage = last(llm_for([written.read_bytes()], [], "messages"), "sync").raw["usage"]  # type: ignore[index]
    assert (usage["cache_creation_tokens"], usage["cached_tokens"]) == (1031, 0)
    [compaction] = MESSAGES.glob("*compaction+cache_read*.body")
    usage = last(llm_for([compaction.read_bytes()], [], "messages"), "sync").raw["usage"]  # type: ignore[index]
    assert (usage["prompt_tokens"], usage["cached_tokens"], usage["completion_tokens"]) == (
        281 + 55096,
        55096,
        91,
    )
    assert [i["type"] for i in usage["iterations"]] == ["compaction", "message"]
    [advisor] = MESSAGES.glob("*signature-only+advisor*.body")
    usage = last(llm_for([advisor.read_bytes()], [], "messages"), "sync").raw["usage"]  # type: ignore[index]
    assert usage["prompt_tokens"] == 2411
    assert usage["other_models"]["claude-opus-4-8"]["prompt_tokens"] == 2543


def _sent_with(api: str, messages: list[ChatMessage]) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    body = (MESSAGES / "msg__anthropic_claude-sonnet-4__text__fantasy__0.body").read_bytes()
    llm_for([body], sent, api).chat(messages)
    return sent[0]


def test_a_cache_point_marks_exactly_the_block_before_it_on_messages() -> None:
    control = CacheControl(type="ephemeral")
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="a long document"),
            CachePoint(cache_control=control),
            TextBlock(text="the question"),
        ],
    )
    sent = _sent_with("messages", [message])
    content = sent["messages"][0]["content"]
    assert content == [
        {
            "type": "text",
            "text": "a long document",
            "cache_control": {"type": "ephemeral", "ttl": "5m"},
        },
        {"type": "text", "text": "the question"},
    ]


def test_a_cache_point_has_no_effect_on_other_routes() -> None:
    message = ChatMessage(
        role="user",
        blocks=[TextBlock(text="doc"), CachePoint(cache_control=CacheControl(type="ephemeral"))],
    )
    body = (WIRE / "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body").read_bytes()
    sent: list[dict[str, Any]] = []
    llm_for([body], sent, "chat").chat([message])
    assert sent[0]["messages"] == [{"role": "user", "content": "doc"}]


def test_a_video_block_is_refused_before_any_request_naming_the_routes() -> None:
    sent: list[dict[str, Any]] = []
    llm = llm_for([b""], sent, "messages")
    message = ChatMessage(role="user", blocks=[VideoBlock(url="https://v.example/a.mp4")])
    with pytest.raises(
        ConfigurationError, match=r"VideoBlock.*Responses, Chat Completions, Messages"
    ):
        llm.chat([message])
    assert sent == []


def test_a_paused_web_search_turn_is_continued_with_its_blocks_verbatim() -> None:
    name = "msg__anthropic_claude-sonnet-4.5__pause_turn-web-search+thinking__pydantic-ai__{}.body"
    bodies = [(MESSAGES / name.format(n)).read_bytes() for n in (0, 1)]
    sent: list[dict[str, Any]] = []
    llm = llm_for(bodies, sent, "messages")
    first = last(llm, "sync")
    assert first.raw["raw_finish_reason"] == "pause_turn"  # type: ignore[index]
    second = llm.chat([*USER, first.message])
    [assistant] = [m for m in sent[1]["messages"] if m["role"] == "assistant"]
    assert assistant["content"] == parse_body("messages", bodies[0]).result.blocks
    assert len([b for b in second.message.blocks if isinstance(b, CitationBlock)]) == 19
