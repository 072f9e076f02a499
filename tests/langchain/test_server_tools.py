"""Server tools, citations and usage as billed, from the recorded bytes through
``ChatLemonData``: streamed (sync and async), invoked, with the default and the v1 output,
and through ``stream_events(version="v3")``; and a paused web-search turn continued with
its blocks sent back verbatim, as the recorded continuation request sent them."""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from lemon_adapters.langchain import ChatLemonData
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying
from tests.parsing import parse_body

MESSAGES = RECORDINGS / "messages" / "wire"
WIRE = RECORDINGS / "wire"
WEB_SEARCH = (
    MESSAGES / "msg__anthropic_claude-opus-4.1__web_search+citations-no-ping__llm-anthropic__0.body"
)
RESP_SEARCH = WIRE / "resp__openai_gpt-5__web-search-builtin-tool__pydantic-ai__0.body"


def model(
    bodies: list[bytes], sent: list[dict[str, Any]], api: str, **kwargs: Any
) -> ChatLemonData:
    transport = replaying(bodies, sent)
    return ChatLemonData(
        model="recorded",
        api=api,  # type: ignore[arg-type]
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )


def streamed(llm: ChatLemonData, mode: str) -> AIMessageChunk:
    async def collect() -> list[AIMessageChunk]:
        out = [c async for c in llm.astream("search")]
        await llm.aclose()
        return out

    chunks = list(llm.stream("search")) if mode == "sync" else asyncio.run(collect())
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def recorded_citation_urls(body: bytes) -> list[str]:
    return [
        json.loads(line[5:])["delta"]["citation"]["url"]
        for line in body.decode().splitlines()
        if line.startswith("data:") and "citations_delta" in line
    ]


def check_v1_web_search(content: list[Any], body: bytes) -> None:
    calls = [b for b in content if b["type"] == "server_tool_call"]
    results = [b for b in content if b["type"] == "server_tool_result"]
    assert [(c["name"], c["args"]) for c in calls] == [
        ("web_search", {"query": "San Francisco weather today"})
    ]
    assert [r["tool_call_id"] for r in results] == [calls[0]["id"]]
    assert results[0]["status"] == "success"
    annotations = [a for b in content if b["type"] == "text" for a in b.get("annotations", [])]
    assert [a["url"] for a in annotations] == recorded_citation_urls(body)
    assert all(a["type"] == "citation" and a["cited_text"] and a["title"] for a in annotations)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_messages_web_search_v1_blocks_and_citations(mode: str) -> None:
    body = WEB_SEARCH.read_bytes()
    full = streamed(model([body], [], "messages", output_version="v1"), mode)
    assert isinstance(full.content, list)
    check_v1_web_search(full.content, body)
    text = "".join(b["text"] for b in full.content if b["type"] == "text")
    # The annotation offsets are into the answer text, each spanning a cited block.
    spans = [a for b in full.content if b["type"] == "text" for a in b["annotations"]]
    assert all(0 <= a["start_index"] < a["end_index"] <= len(text) for a in spans)


def test_messages_web_search_default_output_keeps_the_text_and_adds_the_tools() -> None:
    body = WEB_SEARCH.read_bytes()
    full = streamed(model([body], [], "messages"), "sync")
    assert isinstance(full.content, str) and "San Francisco" in full.content
    kwargs = full.additional_kwargs
    assert [c["args"] for c in kwargs["server_tool_calls"]] == [
        {"query": "San Francisco weather today"}
    ]
    assert [r["status"] for r in kwargs["server_tool_results"]] == ["success"]
    assert [c["url"] for c in kwargs["citations"]] == recorded_citation_urls(body)
    # The standard reading of the same message gives the v1 blocks.
    check_v1_web_search(list(full.content_blocks), body)


def test_messages_web_search_through_stream_events_v3() -> None:
    body = WEB_SEARCH.read_bytes()
    llm = model([body], [], "messages")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # v3 is in beta: LangChainBetaWarning
        stream = llm.stream_events("search", version="v3")
        output = stream.output
    assert isinstance(output.content, list)
    check_v1_web_search(output.content, body)


def test_responses_web_search_call_with_its_query_in_v1() -> None:
    body = RESP_SEARCH.read_bytes()
    full = streamed(model([body], [], "responses", output_version="v1"), "sync")
    assert isinstance(full.content, list)
    [call] = [b for b in full.content if b["type"] == "server_tool_call"]
    [result] = [b for b in full.content if b["type"] == "server_tool_result"]
    assert call["name"] == "web_search"
    assert call["args"] == {"type": "search", "query": "weather: San Francisco, CA"}
    assert result["tool_call_id"] == call["id"] and result["status"] == "success"
    assert result["output"] == {"sources": [{"type": "api", "name": "oai-weather"}]}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_cache_writes_and_reads_reach_usage_metadata(mode: str) -> None:
    [path] = MESSAGES.glob("*max_tokens+cache_creation*.body")
    full = streamed(model([path.read_bytes()], [], "messages"), mode)
    assert full.usage_metadata is not None
    details = full.usage_metadata.get("input_token_details") or {}
    assert details.get("cache_creation") == 1031
    assert details.get("cache_read") == 0


def test_compaction_usage_as_billed_with_its_iterations() -> None:
    [path] = MESSAGES.glob("*compaction+cache_read*.body")
    full = streamed(model([path.read_bytes()], [], "messages"), "sync")
    usage = full.usage_metadata
    assert usage is not None
    assert (usage["input_tokens"], usage["output_tokens"]) == (281 + 55096, 91)
    assert (usage.get("input_token_details") or {}).get("cache_read") == 55096
    iterations = full.response_metadata["usage_iterations"]
    assert [(i["type"], i["output_tokens"]) for i in iterations] == [
        ("compaction", 83),
        ("message", 8),
    ]


def test_an_advisor_model_is_reported_apart() -> None:
    [path] = MESSAGES.glob("*signature-only+advisor*.body")
    full = streamed(model([path.read_bytes()], [], "messages"), "sync")
    assert full.usage_metadata is not None
    assert (full.usage_metadata["input_tokens"], full.usage_metadata["output_tokens"]) == (
        2411,
        145,
    )
    other = full.response_metadata["other_models_usage"]
    assert list(other) == ["claude-opus-4-8"]
    assert (
        other["claude-opus-4-8"]["input_tokens"],
        other["claude-opus-4-8"]["output_tokens"],
    ) == (
        2543,
        18,
    )


def test_a_paused_web_search_turn_is_continued_with_its_blocks_verbatim() -> None:
    name = "msg__anthropic_claude-sonnet-4.5__pause_turn-web-search+thinking__pydantic-ai__{}.body"
    bodies = [(MESSAGES / name.format(n)).read_bytes() for n in (0, 1)]
    index = json.loads((MESSAGES / "index.json").read_text())
    [recorded] = [
        json.loads(e["request_body"])
        for e in index
        if "pause_turn" in e["file"] and e["interaction"] == 1
    ]
    sent: list[dict[str, Any]] = []
    llm = model(bodies, sent, "messages")
    question = HumanMessage(recorded["messages"][0]["content"][0]["text"])
    first = streamed(llm, "sync")
    assert first.response_metadata["raw_finish_reason"] == "pause_turn"
    paused = AIMessage(content=first.content, additional_kwargs=first.additional_kwargs)
    second = llm.invoke([question, paused])
    [assistant] = [m for m in sent[1]["messages"] if m["role"] == "assistant"]
    # Verbatim: the first answer's blocks exactly as the core read them off the wire...
    assert assistant["content"] == parse_body("messages", bodies[0]).result.blocks
    # ...and the same turn the recorded continuation sent (the recording's request body
    # differs only in a title's dash, U+2013 there, "-" in the request as recorded).

    def shape(blocks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(b["type"], b.get("id"), b.get("tool_use_id"), b.get("signature")) for b in blocks]

    assert shape(assistant["content"]) == shape(recorded["messages"][1]["content"])
    assert len(second.additional_kwargs["citations"]) == 19
