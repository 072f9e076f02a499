"""LlamaIndex's own consumers driven by LemonData: agents, query and chat engines, token
counting and structured output, for both APIs, from cassettes and from a live local server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core import Settings
from llama_index.core.agent.workflow import (
    AgentOutput,
    AgentStream,
    AgentWorkflow,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)
from llama_index.core.agent.workflow.workflow_events import AgentInput
from llama_index.core.bridge.pydantic import BaseModel
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.prompts import PromptTemplate

from lemon_adapters.llama_index import LemonData

from . import scenarios
from .conftest import Served, cassette, replay_llm

pytestmark = [
    # LlamaIndex's workflow machinery reads pydantic's deprecated ``__fields__`` (not ours).
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning"),
    # Its ``Memory`` leaves an aiosqlite connection unclosed (see conftest).
    pytest.mark.filterwarnings("ignore:.*aiosqlite:ResourceWarning"),
    pytest.mark.usefixtures("collect_leftovers"),
]

# -- FunctionAgent ------------------------------------------------------------------------


def check_agent_run(run: scenarios.AgentRun, *, scripted: bool) -> None:
    """Arguments grow in AgentStream before each ToolCall/ToolCallResult; then the answer.

    ``scripted``: the answer came from the scripted responder (exact text and usage); a
    cassette re-recorded against a real model is held to the same checks except those.
    """
    kinds = [type(e).__name__ for e in run.events]
    calls = [e for e in run.events if isinstance(e, ToolCall) and not isinstance(e, ToolCallResult)]
    results = [e for e in run.events if isinstance(e, ToolCallResult)]
    assert [c.tool_name for c in calls] == ["add", "multiply"], kinds
    assert [c.tool_kwargs for c in calls] == [{"a": 3, "b": 4}, {"a": 7, "b": 5}]
    assert [r.tool_output.raw_output for r in results] == [7, 35]

    for call in calls:
        at = run.events.index(call)
        start = max(i for i in range(at) if isinstance(run.events[i], AgentInput))
        streamed = [e for e in run.events[start:at] if isinstance(e, AgentStream)]
        seen = [e.tool_calls[0].tool_kwargs for e in streamed if e.tool_calls]
        # The arguments arrive piece by piece: a partial dict first, the whole one last.
        assert len(seen) >= 3
        assert seen[-1] == call.tool_kwargs
        assert any(s != call.tool_kwargs for s in seen[:-1])
        assert all(e.tool_calls[0].tool_name == call.tool_name for e in streamed if e.tool_calls)
        result_at = next(
            i
            for i, e in enumerate(run.events)
            if isinstance(e, ToolCallResult) and e.tool_id == call.tool_id
        )
        assert at < result_at

    last_result = run.events.index(results[-1])
    texts = [e for e in run.events[last_result:] if isinstance(e, AgentStream) and e.delta]
    assert len(texts) > 2
    cumulative = ""
    for event in texts:
        cumulative += event.delta
        assert event.response == cumulative  # each event carries the response so far
    assert cumulative == run.answer
    assert "35" in run.answer
    final = [e for e in run.events if isinstance(e, AgentOutput)][-1]
    assert final.raw["usage"]["prompt_tokens"] > 0
    assert final.raw["finish_reason"] == "stop"
    if scripted:
        assert run.answer == "The result is 35."
        assert final.raw["usage"]["prompt_tokens"] == scenarios.INPUT_TOKENS


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_function_agent_streams_tool_calls_from_cassette(api: str) -> None:
    llm = replay_llm(api)
    with cassette(f"agent_{api}") as tape:
        run = await scenarios.run_agent(llm)
    assert tape.all_played
    check_agent_run(run, scripted=False)
    await llm.aclose()


async def test_function_agent_streams_tool_calls_live(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str
) -> None:
    server = serve(scenarios.agent_responder)
    llm = make_llm(server, api)
    run = await scenarios.run_agent(llm)
    check_agent_run(run, scripted=True)
    # Three requests: each sends the previous tool call and its result back, by id.
    assert len(server.requests) == 3
    await llm.aclose()


async def test_function_agent_without_streaming(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str
) -> None:
    server = serve(scenarios.agent_responder)
    llm = make_llm(server, api)
    run = await scenarios.run_agent(llm, streaming=False)
    calls = [e for e in run.events if type(e) is ToolCall]
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == [
        ("add", {"a": 3, "b": 4}),
        ("multiply", {"a": 7, "b": 5}),
    ]
    assert run.answer == "The result is 35."
    assert not any(isinstance(e, AgentStream) for e in run.events)
    assert [r["body"]["stream"] for r in server.requests] == [False, False, False]
    await llm.aclose()


def test_agent_workflow_picks_function_agent() -> None:
    llm = LemonData(model="some-model-nobody-has-heard-of", api_key="sk-x")
    workflow = AgentWorkflow.from_tools_or_functions([scenarios.add], llm=llm)
    agents = list(workflow.agents.values())
    assert len(agents) == 1
    assert type(agents[0]) is FunctionAgent


# -- query engine and chat engine ---------------------------------------------------------


def check_tokens(tokens: list[str], answer: str, *, scripted: bool = True) -> None:
    words = [t for t in tokens if t]
    assert len(words) > 5  # streamed in pieces, not one blob
    assert "".join(tokens) == answer
    assert "yellow" in answer  # the retrieved context reached the model
    if scripted:
        assert answer == scenarios.RAG_ANSWER


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_query_engine_streams_from_cassette(api: str) -> None:
    llm = replay_llm(api)
    with cassette(f"query_{api}") as tape:
        tokens, answer = scenarios.query_streaming(llm)
    assert tape.all_played
    check_tokens(tokens, answer, scripted=False)
    llm.close()


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_query_engine_aquery_streams_from_cassette(api: str) -> None:
    llm = replay_llm(api)
    with cassette(f"aquery_{api}") as tape:
        tokens, answer = await scenarios.aquery_streaming(llm)
    assert tape.all_played
    check_tokens(tokens, answer, scripted=False)
    await llm.aclose()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_query_engine_streams_live(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str, mode: str
) -> None:
    server = serve(scenarios.rag_responder)
    llm = make_llm(server, api)
    if mode == "sync":
        tokens, answer = await asyncio.to_thread(scenarios.query_streaming, llm)
    else:
        tokens, answer = await scenarios.aquery_streaming(llm)
        await llm.aclose()
    check_tokens(tokens, answer)
    # The retrieved context reached the model (the responder answers only if it did).
    assert "bright yellow" in str(server.requests[-1]["body"])


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_context_chat_engine_streams(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str, mode: str
) -> None:
    server = serve(scenarios.rag_responder)
    llm = make_llm(server, api)
    engine = scenarios.build_index(llm).as_chat_engine(
        chat_mode="context", llm=llm, similarity_top_k=3
    )
    if mode == "sync":

        def run() -> list[str]:
            response = engine.stream_chat(scenarios.RAG_QUESTION)
            return list(response.response_gen)

        tokens = await asyncio.to_thread(run)
    else:
        response = await engine.astream_chat(scenarios.RAG_QUESTION)
        tokens = [t async for t in response.async_response_gen()]
        await llm.aclose()
    assert len([t for t in tokens if t]) > 5
    assert "".join(tokens) == scenarios.RAG_ANSWER
    history = engine.chat_history
    assert history[-1].content == scenarios.RAG_ANSWER


# -- token counting -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["stream_chat", "astream_chat", "stream_complete", "query"])
async def test_token_counting_uses_streamed_usage(
    serve: Callable[..., Served],
    make_llm: Callable[..., LemonData],
    api: str,
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = serve(scenarios.rag_responder)
    counter = TokenCountingHandler()
    callbacks = CallbackManager([counter])
    llm = make_llm(server, api, callback_manager=callbacks)
    from llama_index.core.llms import ChatMessage

    messages = [ChatMessage(role="user", content="bright yellow?")]
    if mode == "stream_chat":
        last = [c for c in llm.stream_chat(messages)][-1]
    elif mode == "astream_chat":
        last = [c async for c in await llm.astream_chat(messages)][-1]
        await llm.aclose()
    elif mode == "stream_complete":
        last = [c for c in llm.stream_complete("bright yellow?")][-1]
    else:
        # Query engines hand the global callback manager to the LLM, as users set it.
        monkeypatch.setattr(Settings, "_callback_manager", callbacks)
        await asyncio.to_thread(scenarios.query_streaming, llm)
        last = None
    assert len(counter.llm_token_counts) == 1
    event = counter.llm_token_counts[0]
    # The server's distinctive prompt size, not an estimate of the short prompt.
    assert event.prompt_token_count == scenarios.INPUT_TOKENS
    expected_out = len(scenarios.RAG_ANSWER) // 4  # what the dev server reports
    assert event.completion_token_count == expected_out
    assert counter.total_llm_token_count == scenarios.INPUT_TOKENS + expected_out
    if last is not None:
        assert last.raw["usage"]["prompt_tokens"] == scenarios.INPUT_TOKENS


# -- structured output --------------------------------------------------------------------


class Fruit(BaseModel):
    """A fruit and its colour."""

    name: str
    colour: str
    sour: bool


FRUIT_PROMPT = PromptTemplate("Describe the {thing} as a Fruit.")


@pytest.mark.parametrize("method", ["json_schema", "tool_call"])
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_structured_predict(
    serve: Callable[..., Served],
    make_llm: Callable[..., LemonData],
    api: str,
    method: str,
    mode: str,
) -> None:
    server = serve(scenarios.structured_responder)
    llm = make_llm(server, api, structured_output=method)
    if mode == "sync":

        def run() -> list[Any]:
            return list(llm.stream_structured_predict(Fruit, FRUIT_PROMPT, thing="lemon"))

        partials = await asyncio.to_thread(run)
    else:
        stream = await llm.astream_structured_predict(Fruit, FRUIT_PROMPT, thing="lemon")
        partials = [p async for p in stream]
        await llm.aclose()
    assert len(partials) > 2  # partial objects while the JSON streams
    final = partials[-1]
    assert isinstance(final, Fruit)
    assert final == Fruit(name="lemon", colour="yellow", sour=True)
    body = server.requests[-1]["body"]
    if method == "tool_call":
        assert body["tools"] and body["tool_choice"]  # the tool is forced, not hoped for
        assert "response_format" not in body and "text" not in body
    elif api == "chat":
        assert body["response_format"]["type"] == "json_schema"
    else:
        assert body["text"]["format"]["type"] == "json_schema"


@pytest.mark.parametrize("method", ["json_schema", "tool_call"])
async def test_structured_predict_and_structured_llm(
    serve: Callable[..., Served],
    make_llm: Callable[..., LemonData],
    api: str,
    method: str,
) -> None:
    server = serve(scenarios.structured_responder)
    llm = make_llm(server, api, structured_output=method)
    expected = Fruit(name="lemon", colour="yellow", sour=True)
    assert (
        await asyncio.to_thread(llm.structured_predict, Fruit, FRUIT_PROMPT, thing="lemon")
        == expected
    )
    assert await llm.astructured_predict(Fruit, FRUIT_PROMPT, thing="lemon") == expected
    from llama_index.core.llms import ChatMessage

    sllm = llm.as_structured_llm(Fruit)
    response = await asyncio.to_thread(sllm.chat, [ChatMessage(role="user", content="lemon")])
    assert response.raw == expected
    await llm.aclose()
