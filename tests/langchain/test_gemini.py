"""``ChatLemonData(api="gemini")``: every recorded Gemini stream (served over HTTP on
127.0.0.1, cut at random points) gives what the core parses from the same bytes, sync and
async; the recorded two-turn tool loops run through a LangGraph agent and send every call
back with its signature; structured output works on the route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.tools import StructuredTool
from pydantic import BaseModel

from lemon_adapters.langchain import ChatLemonData
from lemon_adapters.testing.server import DevServer
from tests.core.wire.test_gemini_recordings import STREAMS, _ids, body_of
from tests.gemini_replay import (
    LOOPS,
    Answer,
    ReplayServer,
    check_second_request,
    content_type_of,
    loop,
)
from tests.parsing import parse_body

KEY = "sk-test-gemini-lc-123456"


def llm(base_url: str, **kw: Any) -> ChatLemonData:
    return ChatLemonData(model="gemini-x", api="gemini", api_key=KEY, base_url=base_url, **kw)


def _merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def check(message: AIMessage, body: bytes) -> None:
    result = parse_body("gemini", body).result
    assert message.text == result.text
    assert message.additional_kwargs.get("reasoning_content", "") == result.reasoning
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        (c.id, c.name, c.args) for c in result.tool_calls
    ]
    assert message.additional_kwargs.get("gemini_parts", []) == result.blocks
    usage = result.usage
    if usage is None:
        assert message.usage_metadata is None
    else:
        assert message.usage_metadata is not None
        assert message.usage_metadata["input_tokens"] == usage.input_tokens
        assert message.usage_metadata["output_tokens"] == usage.output_tokens
    meta = message.response_metadata
    assert (meta["finish_reason"], meta.get("raw_finish_reason", meta["finish_reason"])) == (
        result.finish_reason,
        result.raw_finish_reason,
    )


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_every_recorded_stream_through_chat_lemondata(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    kind = content_type_of(entry)
    with ReplayServer() as srv:
        srv.queue(*(Answer(body, content_type=kind, seed=n) for n in range(3)))
        model = llm(srv.base_url)
        check(_merged(list(model.stream("replay"))), body)

        async def run() -> AIMessageChunk:
            try:
                return _merged([c async for c in model.astream("replay")])
            finally:
                await model.aclose()

        check(asyncio.run(run()), body)
        check(model.invoke("replay"), body)
        model.close()
    assert all(r["path"].startswith("/v1beta/models/gemini-x:") for r in srv.requests)


def _tools(recorded: Any) -> list[StructuredTool]:
    def make(name: str, description: str, schema: dict[str, Any]) -> StructuredTool:
        def run(**kwargs: Any) -> str:
            return recorded.results[name]

        return StructuredTool.from_function(
            run, name=name, description=description, args_schema=schema
        )

    return [make(n, d, s) for n, (d, s) in recorded.tools.items()]


@pytest.mark.parametrize("fragment", LOOPS)
@pytest.mark.parametrize("streaming", [False, True])
def test_a_langgraph_agent_sends_every_call_back_with_its_signature(
    fragment: str, streaming: bool
) -> None:
    from langchain.agents import create_agent

    recorded = loop(fragment)
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        agent = create_agent(llm(srv.base_url, streaming=streaming), _tools(recorded))
        state = agent.invoke({"messages": [{"role": "user", "content": recorded.prompt}]})
    first, second = (r["body"] for r in srv.requests)
    assert first["tools"][0]["functionDeclarations"]  # the agent offered its tools
    check_second_request(second, recorded)
    assert state["messages"][-1].text == recorded.final_text  # the recorded answer came out


class Weather(BaseModel):
    city: str
    degrees: int


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_structured_output_on_the_gemini_route(method: str) -> None:
    with DevServer() as srv:
        model = llm(srv.base_url, model_name="gemini-2.5-flash")
        schema: Any = Weather if method != "json_mode" else None
        runnable = model.with_structured_output(schema, method=method)  # type: ignore[arg-type]
        answer = runnable.invoke("Weather in Rome? 21 degrees")
        sent = srv.requests[-1]
    assert sent["path"].startswith("/v1beta/models/gemini-2.5-flash:")
    if method == "json_schema":
        assert isinstance(answer, Weather) and answer.degrees == 21
        config = sent["body"]["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert config["responseJsonSchema"]["properties"]["degrees"]["type"] == "integer"
    elif method == "function_calling":
        assert isinstance(answer, Weather) and answer.degrees == 21
        assert sent["body"]["toolConfig"] == {
            "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Weather"]}
        }
    else:
        assert isinstance(answer, dict)
        assert sent["body"]["generationConfig"] == {"responseMimeType": "application/json"}
    assert json.dumps(sent["body"]).count(KEY) == 0
