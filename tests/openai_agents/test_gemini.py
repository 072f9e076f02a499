"""``LemonDataModel(api="gemini")`` through a real Agents SDK ``Runner.run_streamed``: the
recorded two-turn Gemini tool loops (served byte for byte over HTTP on 127.0.0.1) must send
every function call back with its name, arguments, signature bytes and API call id, and end
on the recorded answer; plain text, tool calls and thinking settings on the Gemini route.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from agents import Agent, ModelSettings, RunConfig, Runner, function_tool
from agents.items import ReasoningItem
from agents.stream_events import RawResponsesStreamEvent, RunItemStreamEvent
from agents.tool import FunctionTool
from openai.types.responses import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseOutputItemAddedEvent,
)
from openai.types.shared import Reasoning

from lemon_adapters.openai_agents import LemonDataModel
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

KEY = "sk-test-gemini-oa-123456"


def _model(base_url: str, name: str = "gemini-x") -> LemonDataModel:
    return LemonDataModel(name, api="gemini", api_key=KEY, base_url=base_url, max_retries=0)


def _tools(recorded: Loop, ran: list[str]) -> list[FunctionTool]:
    def make(name: str, description: str, schema: dict[str, Any]) -> FunctionTool:
        async def run(ctx: Any, arguments: str) -> str:
            ran.append(name)
            return recorded.results[name]

        return FunctionTool(
            name=name,
            description=description,
            params_json_schema=schema,
            on_invoke_tool=run,
            strict_json_schema=False,
        )

    return [make(n, d, s) for n, (d, s) in recorded.tools.items()]


def _instructions(recorded: Loop) -> str | None:
    system = recorded.first.get("systemInstruction")
    return "".join(p["text"] for p in system["parts"]) if system else None


async def _run(agent: Agent[Any], prompt: str) -> tuple[list[Any], Any]:
    result = Runner.run_streamed(agent, prompt, run_config=RunConfig(tracing_disabled=True))
    events = [event async for event in result.stream_events()]
    return events, result


@pytest.mark.parametrize("fragment", LOOPS)
async def test_a_runner_sends_every_call_back_with_its_signature(fragment: str) -> None:
    recorded = loop(fragment)
    ran: list[str] = []
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(
            name="a",
            instructions=_instructions(recorded),
            model=model,
            tools=_tools(recorded, ran),  # type: ignore[arg-type]
        )
        events, result = await _run(agent, recorded.prompt)
        await model.close()
    first, second = (r["body"] for r in srv.requests)
    assert first["tools"][0]["functionDeclarations"]  # the runner offered its tools
    check_second_request(second, recorded)
    assert result.final_output == recorded.final_text  # the recorded answer came out
    answer = parse_body("gemini", recorded.answers[0].body).result
    assert sorted(ran) == sorted(c.name for c in answer.tool_calls)  # each call ran once
    raw = [e.data for e in events if isinstance(e, RawResponsesStreamEvent)]
    assert any(isinstance(e, ResponseFunctionCallArgumentsDeltaEvent) for e in raw) or all(
        not c.arguments or c.arguments == "{}" for c in answer.tool_calls
    )  # argument deltas reach the caller (a no-argument call has none)
    added = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, RawResponsesStreamEvent)
        and isinstance(e.data, ResponseOutputItemAddedEvent)
        and e.data.item.type == "function_call"
    )
    called = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, RunItemStreamEvent) and e.name == "tool_called"
    )
    assert added < called  # the call reached the caller before its tool ran


async def test_a_gemini_thought_is_a_reasoning_item() -> None:
    recorded = loop("thinking+tool-loop__fantasy")
    answer = parse_body("gemini", recorded.answers[0].body).result
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(name="a", model=model, tools=_tools(recorded, []))  # type: ignore[arg-type]
        _, result = await _run(agent, recorded.prompt)
        await model.close()
    reasoning = [i for i in result.new_items if isinstance(i, ReasoningItem)]
    assert answer.reasoning and reasoning
    assert reasoning[0].raw_item.summary[0].text == answer.reasoning
    # The answer's parts ride on its first item, as the SDK replays it.
    replayed = reasoning[0].to_input_item()
    assert replayed["provider_data"]["gemini_parts"] == answer.blocks  # type: ignore[typeddict-item]


def _weather_then_answer(api: str, body: dict[str, Any]) -> Reply:
    """The Gemini route's answers: a call of ``weather``, then (after its result) text.
    (The kit's Gemini route asks the responder; it does not serve ``script``ed replies.)"""
    assert api == "gemini"
    if "functionResponse" in json.dumps(body["contents"]):
        return Reply(text="It is 21 degrees in Rome.")
    return Reply(tool_calls=[("weather", '{"city": "Rome"}')])


@pytest.mark.parametrize("streamed", [True, False])
async def test_plain_text_and_a_tool_call_on_the_gemini_route(streamed: bool) -> None:
    ran: list[str] = []

    @function_tool
    def weather(city: str) -> str:
        """The weather in a city."""
        ran.append(city)
        return "21 degrees"

    with DevServer() as srv:
        srv.responder = _weather_then_answer
        model = _model(srv.base_url, "gemini-2.5-flash")
        agent = Agent(name="a", model=model, tools=[weather])
        if streamed:
            _, result = await _run(agent, "Weather in Rome?")
        else:
            config = RunConfig(tracing_disabled=True)
            result = await Runner.run(agent, "Weather in Rome?", run_config=config)
        await model.close()
        sent = [r for r in srv.requests if r["path"].startswith("/v1beta/models/")]
    assert ran == ["Rome"]
    assert result.final_output == "It is 21 degrees in Rome."
    assert len(sent) == 2
    assert sent[0]["body"]["tools"][0]["functionDeclarations"][0]["name"] == "weather"
    responses = [p for t in sent[1]["body"]["contents"] for p in t["parts"]]
    assert any(p.get("functionResponse", {}).get("name") == "weather" for p in responses)
    assert "21 degrees" in json.dumps(responses)


@pytest.mark.parametrize(
    ("settings", "config"),
    [
        (ModelSettings(), None),
        (ModelSettings(reasoning=Reasoning(effort="high")), {"thinkingLevel": "high"}),
        (
            ModelSettings(
                extra_args={"thinking": {"includeThoughts": True, "thinkingBudget": 128}}
            ),
            {"includeThoughts": True, "thinkingBudget": 128},
        ),
    ],
)
async def test_thinking_settings_on_the_gemini_route(settings: ModelSettings, config: Any) -> None:
    entry = entry_named("thinking+tool-loop__fantasy", 1)  # a plain text answer
    with ReplayServer() as srv:
        srv.queue(Answer(body_of(entry), content_type=content_type_of(entry)))
        model = _model(srv.base_url)
        agent = Agent(name="a", model=model, model_settings=settings)
        _, result = await _run(agent, "hi")
        await model.close()
    assert result.final_output == parse_body("gemini", body_of(entry)).result.text
    generation = srv.requests[0]["body"].get("generationConfig") or {}
    assert generation.get("thinkingConfig") == config


async def test_the_kept_parts_survive_a_saved_input_list() -> None:
    """``to_input_list()`` saved as JSON and loaded again still sends the parts back."""
    from lemon_adapters.openai_agents._convert import neutral_messages

    recorded = loop("tool-id+signature-replay__fantasy")
    with ReplayServer() as srv:
        srv.queue(*recorded.answers)
        model = _model(srv.base_url)
        agent = Agent(name="a", model=model, tools=_tools(recorded, []))  # type: ignore[arg-type]
        _, result = await _run(agent, recorded.prompt)
        await model.close()
    restored = json.loads(json.dumps(result.to_input_list()))
    turns = neutral_messages(None, restored)
    first_answer = next(t for t in turns if t["role"] == "assistant")
    blocks = parse_body("gemini", recorded.answers[0].body).result.blocks
    assert first_answer.get("gemini_parts") == blocks
    assert any(p.get("thoughtSignature") for p in blocks)  # a loop that needs them
