"""``LemonData(api="gemini")``: every recorded Gemini stream (served over HTTP on 127.0.0.1,
cut at random points) ends in what the core parses from the same bytes, sync and async;
the recorded two-turn tool loops run through a ``FunctionAgent`` and send every call back
with its signature; structured prediction works on the route."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock, ToolCallBlock
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel, create_model

from lemon_adapters.llama_index import LemonData
from lemon_adapters.testing.server import DevServer
from tests.core.wire.test_gemini_recordings import STREAMS, _ids, body_of
from tests.gemini_replay import (
    LOOPS,
    Answer,
    Loop,
    ReplayServer,
    check_second_request,
    content_type_of,
    loop,
)
from tests.parsing import parse_body

KEY = "sk-test-gemini-li-123456"
REPLAY = [ChatMessage(role="user", content="replay")]


def llm(base_url: str, **kw: Any) -> LemonData:
    return LemonData(model="gemini-x", api="gemini", api_key=KEY, base_url=base_url, **kw)


def check(final: ChatResponse, body: bytes) -> None:
    result = parse_body("gemini", body).result
    message = final.message
    assert message.content == result.text
    thinking = "".join(b.content or "" for b in message.blocks if isinstance(b, ThinkingBlock))
    assert thinking == result.reasoning
    calls = [
        (b.tool_call_id, b.tool_name, b.tool_kwargs)
        for b in message.blocks
        if isinstance(b, ToolCallBlock)
    ]
    assert calls == [(c.id, c.name, c.arguments) for c in result.tool_calls]
    assert message.additional_kwargs.get("gemini_parts", []) == result.blocks
    assert final.raw is not None
    assert (final.raw["finish_reason"], final.raw["raw_finish_reason"]) == (
        result.finish_reason,
        result.raw_finish_reason,
    )
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
            "cache_creation_tokens": usage.cache_creation_tokens,
        }
    )


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_every_recorded_stream_through_lemondata(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    kind = content_type_of(entry)
    with ReplayServer() as srv:
        srv.queue(*(Answer(body, content_type=kind, seed=n) for n in range(3)))
        model = llm(srv.base_url)
        chunks = list(model.stream_chat(REPLAY))
        text = "".join(c.delta or "" for c in chunks)
        assert text == chunks[-1].message.content
        check(chunks[-1], body)

        async def run() -> ChatResponse:
            last = None
            try:
                async for chunk in await model.astream_chat(REPLAY):
                    last = chunk
            finally:
                await model.aclose()
            assert last is not None
            return last

        check(asyncio.run(run()), body)
        check(model.chat(REPLAY), body)
        model.close()
    assert all(r["path"].startswith("/v1beta/models/gemini-x:") for r in srv.requests)


_TYPES = {"integer": int, "number": float, "string": str, "boolean": bool}


def _tools(recorded: Loop) -> list[FunctionTool]:
    def make(name: str, description: str, schema: dict[str, Any]) -> FunctionTool:
        fields: Any = {
            key: (_TYPES[spec.get("type", "string")], ...)
            for key, spec in (schema.get("properties") or {}).items()
        }

        def run(**kwargs: Any) -> str:
            return recorded.results[name]

        return FunctionTool.from_defaults(
            run, name=name, description=description, fn_schema=create_model(name, **fields)
        )

    return [make(n, d, s) for n, (d, s) in recorded.tools.items()]


@pytest.mark.parametrize("fragment", LOOPS)
# LlamaIndex's workflow machinery reads pydantic's deprecated ``__fields__`` (not ours).
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
def test_a_function_agent_sends_every_call_back_with_its_signature(fragment: str) -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    recorded = loop(fragment)
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = llm(srv.base_url)
        agent = FunctionAgent(tools=_tools(recorded), llm=model)

        async def run() -> Any:
            try:
                return await agent.run(recorded.prompt)
            finally:
                await model.aclose()

        answer = asyncio.run(run())
    first, second = (r["body"] for r in srv.requests)
    assert first["tools"][0]["functionDeclarations"]  # the agent offered its tools
    check_second_request(second, recorded)
    assert str(answer) == recorded.final_text  # the recorded answer came out


class Weather(BaseModel):
    city: str
    degrees: int


@pytest.mark.parametrize("mode", ["tool_call", "json_schema"])
def test_structured_predict_on_the_gemini_route(mode: str) -> None:
    with DevServer() as srv:
        model = llm(srv.base_url, structured_output=mode)
        model.model = "gemini-2.5-flash"
        answer = model.structured_predict(Weather, PromptTemplate("Weather in Rome? 21 degrees"))
        sent = srv.requests[-1]
    assert isinstance(answer, Weather) and answer.degrees == 21
    assert sent["path"].startswith("/v1beta/models/gemini-2.5-flash:")
    if mode == "json_schema":
        assert sent["body"]["generationConfig"]["responseMimeType"] == "application/json"
    else:
        assert sent["body"]["toolConfig"]["functionCallingConfig"]["mode"] == "ANY"
