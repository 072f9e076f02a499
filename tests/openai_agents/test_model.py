"""``LemonDataModel`` and ``LemonDataProvider`` against the testing kit's LemonData-shaped
server (real HTTP): the Responses events the Runner gets on every API, settings and
structured output as sent, the non-streamed path, typed errors and the retry advice the
SDK's policies act on, generation spans, and arguments refused before any request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agents import (
    Agent,
    ModelRetrySettings,
    ModelSettings,
    RunConfig,
    Runner,
    WebSearchTool,
    function_tool,
    retry_policies,
)
from agents.models.interface import ModelTracing
from agents.retry import ModelRetryAdviceRequest
from agents.stream_events import RawResponsesStreamEvent
from agents.tracing import TracingProcessor, set_trace_processors
from openai.types.responses import ResponseCompletedEvent, ResponseCreatedEvent
from pydantic import BaseModel

from lemon_adapters import ConfigurationError
from lemon_adapters.core.errors import APIConnectionError, RateLimitError
from lemon_adapters.openai_agents import LemonDataModel, LemonDataProvider
from lemon_adapters.testing import DevServer
from lemon_adapters.testing.server import Reply

APIS = ["responses", "chat", "messages"]
NO_TRACING = RunConfig(tracing_disabled=True)


class Fruit(BaseModel):
    name: str
    colour: str


def _model(server: DevServer, api: str = "chat", name: str = "gpt-4o-mini") -> LemonDataModel:
    return LemonDataModel(
        name,
        api=api,  # type: ignore[arg-type]
        api_key="sk-test-123456",
        base_url=server.base_url,
        max_retries=0,
    )


@function_tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def test_bad_arguments_are_refused_before_any_request() -> None:
    with pytest.raises(TypeError, match="temprature"):
        LemonDataModel("gpt-4o-mini", temprature=0.2)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="'respones'"):
        LemonDataModel("gpt-4o-mini", api="respones")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bse_url"):
        LemonDataProvider(bse_url="http://x")
    assert "sk-" not in repr(LemonDataModel("m", api_key="sk-test-123456"))


@pytest.mark.parametrize("api", APIS)
async def test_every_api_gives_the_runner_the_same_responses_events(
    lemon_server: DevServer, api: str
) -> None:
    model = _model(lemon_server, api, "claude-sonnet-4-5" if api == "messages" else "gpt-5")
    settings = ModelSettings(
        extra_args={"thinking": {"type": "enabled", "budget_tokens": 1024}}
        if api == "messages"
        else {"reasoning_effort": "low"},
        max_tokens=2000,
    )
    agent = Agent(name="a", model=model, tools=[add], model_settings=settings)
    result = Runner.run_streamed(agent, "add 2 and 3", run_config=NO_TRACING)
    raw = [e.data async for e in result.stream_events() if isinstance(e, RawResponsesStreamEvent)]
    await model.close()
    turns: list[list[Any]] = [[]]
    for event in raw:
        turns[-1].append(event)
        if isinstance(event, ResponseCompletedEvent):
            turns.append([])
    assert turns.pop() == [] and len(turns) == 2  # a tool call, then the answer
    for events in turns:
        assert isinstance(events[0], ResponseCreatedEvent)
        assert [e.sequence_number for e in events] == list(range(len(events)))
        added = [e.output_index for e in events if e.type == "response.output_item.added"]
        done = [e.output_index for e in events if e.type == "response.output_item.done"]
        assert added == sorted(added) == list(range(len(added))) and done == added
    kinds = [e.type for e in turns[0]]
    assert "response.reasoning_summary_text.delta" in kinds
    assert "response.function_call_arguments.delta" in kinds
    final = turns[0][-1].response
    assert [i.type for i in final.output] == ["reasoning", "function_call"]
    assert final.usage.input_tokens > 0
    assert "response.output_text.delta" in [e.type for e in turns[1]]
    assert result.final_output == "The tool returned 5. So the answer is 5."


async def test_settings_and_structured_output_as_sent(lemon_server: DevServer) -> None:
    fruit = json.dumps({"name": "lemon", "colour": "yellow"})
    lemon_server.responder = lambda api, body: Reply(text=fruit)
    model = _model(lemon_server, "chat")
    settings = ModelSettings(
        temperature=0.3,
        top_p=0.9,
        max_tokens=55,
        parallel_tool_calls=False,
        tool_choice="auto",
        extra_args={"seed": 7},
        extra_body={"user": "u-1"},
    )
    agent = Agent(name="a", model=model, output_type=Fruit, model_settings=settings, tools=[add])
    result = await Runner.run(agent, "Describe a lemon", run_config=NO_TRACING)
    await model.close()
    assert result.final_output == Fruit(name="lemon", colour="yellow")
    body = lemon_server.requests[0]["body"]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.9, 55)
    assert (body["parallel_tool_calls"], body["tool_choice"]) == (False, "auto")
    assert (body["seed"], body["user"]) == (7, "u-1")
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["name", "colour"]


async def test_hosted_tools_are_refused(lemon_server: DevServer) -> None:
    model = _model(lemon_server)
    agent = Agent(name="a", model=model, tools=[WebSearchTool()])
    with pytest.raises(TypeError, match="WebSearchTool"):
        await Runner.run(agent, "hi", run_config=NO_TRACING)
    assert lemon_server.requests == []


@pytest.mark.parametrize("streamed", [True, False])
async def test_errors_are_ours_and_advise_the_retry(
    lemon_server: DevServer, streamed: bool
) -> None:
    model = _model(lemon_server, "chat", "error-429")
    agent = Agent(name="a", model=model)
    with pytest.raises(RateLimitError) as caught:
        if streamed:
            result = Runner.run_streamed(agent, "hi", run_config=NO_TRACING)
            async for _ in result.stream_events():
                pass
        else:
            await Runner.run(agent, "hi", run_config=NO_TRACING)
    await model.close()
    advice = model.get_retry_advice(
        ModelRetryAdviceRequest(error=caught.value, attempt=1, stream=streamed)
    )
    assert advice is not None and advice.suggested is True
    assert advice.retry_after == 8.0 and advice.replay_safety == "safe"
    assert advice.normalized is not None and advice.normalized.status_code == 429
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = APIConnectionError("refused")
    network = model.get_retry_advice(ModelRetryAdviceRequest(error=wrapped, attempt=1, stream=True))
    assert network is not None and network.normalized is not None
    assert network.normalized.is_network_error
    assert model.get_retry_advice(ModelRetryAdviceRequest(ValueError(), 1, True)) is None


async def test_the_sdk_retries_on_our_advice(lemon_server: DevServer) -> None:
    replies = iter(
        [
            Reply(
                status=503,
                error={"message": "busy", "type": "server_error", "retryable": True},
                headers={"Retry-After": "0"},
            ),
            Reply(text="second time lucky"),
        ]
    )
    lemon_server.responder = lambda api, body: next(replies)
    model = _model(lemon_server)
    retry = ModelRetrySettings(max_retries=1, policy=retry_policies.provider_suggested())
    agent = Agent(name="a", model=model, model_settings=ModelSettings(retry=retry))
    result = Runner.run_streamed(agent, "hi", run_config=NO_TRACING)
    async for _ in result.stream_events():
        pass
    await model.close()
    assert result.final_output == "second time lucky"
    assert len(lemon_server.requests) == 2


class _Spans(TracingProcessor):
    def __init__(self) -> None:
        self.spans: list[Any] = []

    def on_trace_start(self, trace: Any) -> None: ...
    def on_trace_end(self, trace: Any) -> None: ...
    def on_span_start(self, span: Any) -> None: ...
    def on_span_end(self, span: Any) -> None:
        self.spans.append(span)

    def shutdown(self) -> None: ...
    def force_flush(self) -> None: ...


async def test_generations_are_traced_like_the_sdk_s_own_models(lemon_server: DevServer) -> None:
    spans = _Spans()
    set_trace_processors([spans])
    try:
        provider = LemonDataProvider(
            "gpt-4o-mini", api="chat", api_key="sk-test-123456", base_url=lemon_server.base_url
        )
        agent = Agent(name="a", tools=[add])
        await Runner.run(agent, "add 2 and 3", run_config=RunConfig(model_provider=provider))
        await provider.aclose()
    finally:
        set_trace_processors([])
    generations = [s.span_data for s in spans.spans if s.span_data.type == "generation"]
    assert len(generations) == 2
    first = generations[0]
    assert first.model == "gpt-4o-mini" and first.model_config["api"] == "chat"
    calls = [i for i in first.output[0]["output"] if i["type"] == "function_call"]
    assert first.usage["input_tokens"] > 0 and calls[0]["name"] == "add"
    assert "sk-test" not in json.dumps([g.export() for g in generations], default=str)


async def test_get_response_without_the_runner(lemon_server: DevServer) -> None:
    lemon_server.responder = lambda api, body: Reply(text="hello", input_tokens=77)
    model = _model(lemon_server, "responses")
    response = await model.get_response(
        "Be brief.",
        "hi",
        ModelSettings(),
        [],
        None,
        [],
        ModelTracing.DISABLED,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    )
    await model.close()
    assert response.usage.input_tokens == 77 and response.usage.requests == 1
    assert response.output[0].content[0].text == "hello"  # type: ignore[union-attr]
    assert lemon_server.requests[0]["body"]["instructions"] == "Be brief."
