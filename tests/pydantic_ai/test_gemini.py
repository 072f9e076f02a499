"""``LemonDataModel(api="gemini")`` through a real pydantic-ai ``Agent``: the recorded
two-turn Gemini tool loops (served byte for byte over HTTP on 127.0.0.1) must send every
function call back with its name, arguments, signature bytes and API call id, and end on
the recorded answer; plain text, tool calls and the thinking setting on the Gemini route.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic_ai import Agent, Tool
from pydantic_ai.messages import (
    FunctionToolCallEvent,
    ModelMessagesTypeAdapter,
    ModelResponse,
    PartStartEvent,
    ThinkingPart,
    ToolCallPart,
)
from pydantic_ai.run import AgentRunResultEvent

from lemon_adapters.pydantic_ai import LemonDataModel
from lemon_adapters.pydantic_ai._convert import neutral_messages
from lemon_adapters.testing.server import DevServer, Reply
from tests.core.wire.test_gemini_recordings import body_of, entry_named
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

KEY = "sk-test-gemini-pa-123456"


def _model(base_url: str, name: str = "gemini-x") -> LemonDataModel:
    return LemonDataModel(name, api="gemini", api_key=KEY, base_url=base_url, max_retries=0)


def _tools(recorded: Loop) -> list[Tool[None]]:
    def make(name: str, description: str, schema: dict[str, Any]) -> Tool[None]:
        def run(**kwargs: Any) -> str:
            return recorded.results[name]

        return Tool.from_schema(run, name=name, description=description, json_schema=schema)

    return [make(n, d, s) for n, (d, s) in recorded.tools.items()]


async def _run(agent: Agent[None, str], prompt: str) -> tuple[list[Any], Any]:
    events: list[Any] = []
    result: Any = None
    async with agent.run_stream_events(prompt) as stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, AgentRunResultEvent):
                result = event.result
    return events, result


def _instructions(recorded: Loop) -> str | None:
    system = recorded.first.get("systemInstruction")
    return "".join(p["text"] for p in system["parts"]) if system else None


@pytest.mark.parametrize("fragment", LOOPS)
async def test_an_agent_sends_every_call_back_with_its_signature(fragment: str) -> None:
    recorded = loop(fragment)
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(model, tools=_tools(recorded), instructions=_instructions(recorded))
        events, result = await _run(agent, recorded.prompt)
        await model.aclose()
    first, second = (r["body"] for r in srv.requests)
    assert first["tools"][0]["functionDeclarations"]  # the agent offered its tools
    check_second_request(second, recorded)
    assert result.output == recorded.final_text  # the recorded answer came out
    first_call = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, PartStartEvent | FunctionToolCallEvent)
        and isinstance(e.part, ToolCallPart)
    )
    ran = next(i for i, e in enumerate(events) if isinstance(e, FunctionToolCallEvent))
    assert first_call < ran  # the call reached the caller before its tool ran
    answer = parse_body("gemini", recorded.answers[0].body).result
    response = next(m for m in result.all_messages() if isinstance(m, ModelResponse))
    assert response.provider_details and response.provider_details["gemini_parts"] == (
        answer.blocks
    )  # what the agent's history replays, as the API gave it


async def test_the_kept_parts_survive_a_saved_message_history() -> None:
    """A history dumped as JSON and loaded again still sends the parts back verbatim."""
    recorded = loop("tool-id+signature-replay__fantasy")
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(model, tools=_tools(recorded))
        result = await agent.run(recorded.prompt)
        await model.aclose()
    restored = ModelMessagesTypeAdapter.validate_json(result.all_messages_json())
    turns = neutral_messages(None, restored)
    first_answer = next(t for t in turns if t["role"] == "assistant")
    blocks = parse_body("gemini", recorded.answers[0].body).result.blocks
    assert first_answer.get("gemini_parts") == blocks
    assert any(p.get("thoughtSignature") for p in blocks)  # a loop that needs them


def _weather_then_answer(api: str, body: dict[str, Any]) -> Reply:
    """The Gemini route's answers: a call of ``weather``, then (after its result) text.
    (The kit's Gemini route asks the responder; it does not serve ``script``ed replies.)"""
    assert api == "gemini"
    if "functionResponse" in json.dumps(body["contents"]):
        return Reply(text="It is 21 degrees in Rome.")
    return Reply(tool_calls=[("weather", '{"city": "Rome"}')])


@pytest.mark.parametrize("streamed", [True, False])
async def test_plain_text_and_a_tool_call_on_the_gemini_route(streamed: bool) -> None:
    with DevServer() as srv:
        model = _model(srv.base_url, "gemini-2.5-flash")
        agent = Agent(model)
        ran: list[str] = []

        @agent.tool_plain
        def weather(city: str) -> str:
            """The weather in a city."""
            ran.append(city)
            return "21 degrees"

        srv.responder = _weather_then_answer
        if streamed:
            _, result = await _run(agent, "Weather in Rome?")
        else:
            result = await agent.run("Weather in Rome?")
        await model.aclose()
        sent = [r for r in srv.requests if r["path"].startswith("/v1beta/models/")]
    assert ran == ["Rome"]
    assert result.output == "It is 21 degrees in Rome."
    assert len(sent) == 2
    assert sent[0]["body"]["tools"][0]["functionDeclarations"][0]["name"] == "weather"
    responses = [p for t in sent[1]["body"]["contents"] for p in t["parts"]]
    assert any(p.get("functionResponse", {}).get("name") == "weather" for p in responses)
    assert "21 degrees" in json.dumps(responses)


@pytest.mark.parametrize(
    ("thinking", "config"),
    [
        (True, {"includeThoughts": True}),
        ("high", {"includeThoughts": True, "thinkingLevel": "high"}),
        (False, None),
    ],
)
async def test_thinking_maps_to_the_gemini_thinking_config(thinking: Any, config: Any) -> None:
    entry = entry_named("thinking+tool-loop__fantasy", 1)  # a plain text answer
    with ReplayServer() as srv:
        srv.queue(Answer(body_of(entry), content_type=content_type_of(entry)))
        model = _model(srv.base_url)
        agent = Agent(model, model_settings={"thinking": thinking})
        await agent.run("hi")
        await model.aclose()
    generation = srv.requests[0]["body"].get("generationConfig") or {}
    assert generation.get("thinkingConfig") == config


async def test_a_gemini_thought_is_a_thinking_part() -> None:
    recorded = loop("thinking+tool-loop__fantasy")
    answer = parse_body("gemini", recorded.answers[0].body).result
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(model, tools=_tools(recorded))
        events, _ = await _run(agent, recorded.prompt)
        await model.aclose()
    thoughts = [
        e.part for e in events if isinstance(e, PartStartEvent) and isinstance(e.part, ThinkingPart)
    ]
    assert answer.reasoning
    assert thoughts and thoughts[0].content == answer.reasoning[: len(thoughts[0].content)]
