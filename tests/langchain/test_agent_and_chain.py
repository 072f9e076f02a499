"""ChatLemonData inside a LangGraph agent and an LCEL chain, live against DevServer on 127.0.0.1.

Both run once per API. The server streams each answer in 4-character deltas over real
HTTP, so "token by token" is checked exactly: the pieces a chain streams are the pieces the
server sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessageChunk, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from lemon_adapters.langchain import ChatLemonData
from lemon_adapters.testing.server import DevServer, Reply, pieces

from .responder import standard_responder

APIS = ["responses", "chat"]


def agent_responder(api: str, body: dict[str, Any]) -> Reply:
    """Calls each offered tool once, in order, then answers from the results."""
    if api == "chat":
        tools = [t["function"]["name"] for t in body.get("tools") or []]
        items = body["messages"]
        called = [c["function"]["name"] for m in items for c in m.get("tool_calls") or []]
        results = [m["content"] for m in items if m.get("role") == "tool"]
    else:
        tools = [t["name"] for t in body.get("tools") or []]
        items = body["input"]
        called = [i["name"] for i in items if i.get("type") == "function_call"]
        results = [i["output"] for i in items if i.get("type") == "function_call_output"]
    pending = [name for name in tools if name not in called]
    if pending:
        return Reply(tool_calls=[(pending[0], json.dumps({"city": "Paris"}))])
    return Reply(text=f"In Paris: {' and '.join(results)}. Enjoy your day!")


@pytest.fixture(scope="module")
def agent_server() -> Iterator[DevServer]:
    with DevServer(agent_responder) as server:
        yield server


@pytest.fixture(scope="module")
def chat_server() -> Iterator[DevServer]:
    with DevServer(standard_responder) as server:
        yield server


def _model(server: DevServer, api: str) -> ChatLemonData:
    return ChatLemonData(model="gpt-4o-mini", api=api, base_url=server.base_url, api_key="sk-test")


@pytest.mark.parametrize("api", APIS)
def test_agent_streams_tool_calls_then_results_then_text(agent_server: DevServer, api: str) -> None:
    timeline: list[tuple[str, str]] = []

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        timeline.append(("tool ran", "get_weather"))
        return "sunny, 21 C"

    @tool
    def get_time(city: str) -> str:
        """The local time in a city."""
        timeline.append(("tool ran", "get_time"))
        return "10:30"

    model = _model(agent_server, api)
    agent = create_agent(model, [get_weather, get_time])
    texts: list[str] = []
    for message, _meta in agent.stream(
        {"messages": [("user", "What's the weather and time in Paris?")]},
        stream_mode="messages",
    ):
        if isinstance(message, AIMessageChunk):
            for chunk in message.tool_call_chunks:
                if chunk.get("name"):
                    timeline.append(("tool call", str(chunk["name"])))
                elif chunk.get("args"):
                    timeline.append(("args", str(chunk["args"])))
            if message.text:
                texts.append(message.text)
                timeline.append(("text", message.text))
        elif isinstance(message, ToolMessage):
            timeline.append(("tool result", str(message.content)))

    kinds = [kind for kind, _ in timeline]
    # Each tool: its call streams (name, then argument fragments) before it runs, and its
    # result comes after it ran; streamed text only after both results.
    for name, result in (("get_weather", "sunny, 21 C"), ("get_time", "10:30")):
        call = timeline.index(("tool call", name))
        ran = timeline.index(("tool ran", name))
        assert call < ran < timeline.index(("tool result", result))
        assert kinds[call + 1] == "args"
    last_result = max(i for i, k in enumerate(kinds) if k == "tool result")
    first_text = kinds.index("text")
    assert first_text > last_result
    expected = "In Paris: sunny, 21 C and 10:30. Enjoy your day!"
    assert texts == pieces(expected, 4)
    model.close()


def _chain(model: ChatLemonData) -> Any:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{question}")])
    return prompt | model | StrOutputParser()


EXPECTED = "Once upon a time a curious cat named Lemon followed a stream of tokens"


@pytest.mark.parametrize("api", APIS)
def test_chain_streams_token_by_token(chat_server: DevServer, api: str) -> None:
    model = _model(chat_server, api)
    streamed = list(_chain(model).stream({"question": "Tell me a story"}))
    model.close()
    text = "".join(streamed)
    assert text.startswith(EXPECTED)
    assert [s for s in streamed if s] == pieces(text, 4)


@pytest.mark.parametrize("api", APIS)
async def test_chain_astreams_token_by_token(chat_server: DevServer, api: str) -> None:
    model = _model(chat_server, api)
    streamed = [s async for s in _chain(model).astream({"question": "Tell me a story"})]
    await model.aclose()
    text = "".join(streamed)
    assert text.startswith(EXPECTED)
    assert [s for s in streamed if s] == pieces(text, 4)


@pytest.mark.parametrize("api", APIS)
async def test_chain_astream_events_reports_model_stream(chat_server: DevServer, api: str) -> None:
    chunks: list[AIMessageChunk] = []
    ends = 0
    model = _model(chat_server, api)
    async for event in _chain(model).astream_events({"question": "Tell me a story"}, version="v2"):
        if event["event"] == "on_chat_model_stream":
            chunks.append(event["data"]["chunk"])
        elif event["event"] == "on_chat_model_end":
            ends += 1
    await model.aclose()
    texts = [c.text for c in chunks if c.text]
    assert texts == pieces("".join(texts), 4)
    assert "".join(texts).startswith(EXPECTED)
    assert ends == 1
    # The last streamed chunk is the one carrying usage and response metadata.
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].usage_metadata is not None
    assert chunks[-1].response_metadata["model_provider"] == "lemondata"
