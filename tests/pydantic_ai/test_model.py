"""``LemonDataModel`` against the testing kit's LemonData-shaped server (real HTTP): what a
pydantic-ai agent sends (settings, tools, output modes, thinking), what it gets back (usage,
finish reason, LemonData's response facts), errors in pydantic-ai's types with ours as the
cause (so ``FallbackModel`` moves on), and the offline token count."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelAPIError, ModelHTTPError
from pydantic_ai.messages import ModelRequest, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.fallback import FallbackModel

from lemon_adapters import ConfigurationError, LemonDataError
from lemon_adapters.core.errors import RateLimitError
from lemon_adapters.core.tokens import count_message_tokens
from lemon_adapters.pydantic_ai import LemonDataModel
from lemon_adapters.testing import DevServer
from lemon_adapters.testing.server import Reply

APIS = ["responses", "chat", "messages"]


class Fruit(BaseModel):
    name: str
    colour: str


def _model(server: DevServer, api: str = "chat", name: str = "gpt-4o-mini") -> LemonDataModel:
    return LemonDataModel(
        name, api=api, api_key="sk-test-123456", base_url=server.base_url, max_retries=0
    )  # type: ignore[arg-type]


async def _run(model: LemonDataModel, agent: Agent[None, Any], prompt: str, stream: bool) -> Any:
    try:
        if stream:
            async with agent.run_stream(prompt) as result:
                return await result.get_output(), result
        result = await agent.run(prompt)
        return result.output, result
    finally:
        await model.aclose()


def test_misspelled_and_bad_arguments_are_refused_before_any_request() -> None:
    with pytest.raises(TypeError, match="temprature"):
        LemonDataModel("gpt-4o-mini", temprature=0.2)  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="'respones'"):
        LemonDataModel("gpt-4o-mini", api="respones")  # type: ignore[arg-type]


def test_environment_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LemonDataModel("m").base_url == "https://api.lemondata.cc/v1"
    monkeypatch.setenv("LEMONDATA_BASE_URL", "http://127.0.0.1:9/v1/")
    model = LemonDataModel("m")
    assert (model.base_url, model.system, model.model_name, model.api) == (
        "http://127.0.0.1:9/v1",
        "lemondata",
        "m",
        "auto",
    )
    assert "sk-" not in repr(model)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "request"])
@pytest.mark.parametrize("api", APIS)
async def test_text_usage_and_response_facts(
    lemon_server: DevServer, api: str, stream: bool
) -> None:
    lemon_server.responder = lambda api, body: Reply(text="Lemons are yellow.", input_tokens=321)
    model = _model(lemon_server, api)
    agent = Agent(model, instructions="Be brief.")
    output, result = await _run(model, agent, "What colour are lemons?", stream)
    assert output == "Lemons are yellow."
    response = result.all_messages()[-1]
    assert response.usage.input_tokens == 321 and response.usage.output_tokens > 0
    assert response.finish_reason == "stop"
    details = response.provider_details
    assert details["request_id"].startswith("req_")
    assert details.get("cache_status") == ("MISS" if stream else None)  # as the server says
    assert response.provider_name == "lemondata"
    body = lemon_server.requests[0]["body"]
    assert "Be brief." in str(body)  # the instructions went out as the system prompt


async def test_settings_are_sent_under_the_core_s_names(lemon_server: DevServer) -> None:
    model = _model(lemon_server, "chat")
    settings: Any = {
        "temperature": 0.3,
        "max_tokens": 55,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "seed": 7,
        "parallel_tool_calls": False,
        "extra_body": {"user": "u-1"},
    }
    agent = Agent(model, model_settings=settings)

    @agent.tool_plain
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    await _run(model, agent, "add 2 and 3", stream=True)
    body = lemon_server.requests[0]["body"]
    assert (body["temperature"], body["max_tokens"], body["top_p"]) == (0.3, 55, 0.9)
    assert (body["stop"], body["seed"], body["parallel_tool_calls"]) == (["END"], 7, False)
    assert body["user"] == "u-1"
    assert [t["function"]["name"] for t in body["tools"]] == ["add"]


@pytest.mark.parametrize(
    ("api", "thinking", "sent"),
    [
        ("messages", "high", {"thinking": {"type": "enabled", "budget_tokens": 16384}}),
        ("messages", True, {"thinking": {"type": "enabled", "budget_tokens": 8192}}),
        ("responses", "low", {"reasoning": {"effort": "low"}}),
        ("chat", "medium", {"reasoning_effort": "medium"}),
    ],
)
async def test_thinking_is_mapped_per_api(
    lemon_server: DevServer, api: str, thinking: Any, sent: dict[str, Any]
) -> None:
    model = _model(lemon_server, api, "claude-sonnet-4-5" if api == "messages" else "gpt-5")
    settings: Any = {"thinking": thinking, "max_tokens": 20000}
    agent = Agent(model, model_settings=settings)
    _, result = await _run(model, agent, "Think, then say hi.", stream=True)
    body = lemon_server.requests[0]["body"]
    for key, value in sent.items():
        got = body[key]
        assert {k: got[k] for k in value} == value if isinstance(value, dict) else got == value
    thinking_parts = [p for p in result.all_messages()[-1].parts if p.part_kind == "thinking"]
    assert thinking_parts and thinking_parts[0].content.startswith("The user asks")


def _fruit(api: str, body: dict[str, Any]) -> Reply:
    """A lemon as a call of the first tool offered, else as JSON text."""
    fruit = json.dumps({"name": "lemon", "colour": "yellow"})
    if body.get("tools"):
        tool = body["tools"][0]
        return Reply(tool_calls=[(tool.get("function", tool)["name"], fruit)])
    return Reply(text=fruit)


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_output_modes(lemon_server: DevServer, api: str) -> None:
    lemon_server.responder = _fruit
    model = _model(lemon_server, api)
    tool_agent = Agent(model, output_type=Fruit)
    fruit, _ = await _run(model, tool_agent, "Describe a lemon", stream=True)
    body = lemon_server.requests[-1]["body"]
    assert body["tool_choice"] == "required" and isinstance(fruit, Fruit)

    native_agent = Agent(model, output_type=NativeOutput(Fruit))
    fruit, _ = await _run(model, native_agent, "Describe a lemon", stream=True)
    body = lemon_server.requests[-1]["body"]
    fmt = body["response_format"] if api == "chat" else body["text"]["format"]
    assert fmt["type"] == "json_schema" and "tools" not in body and isinstance(fruit, Fruit)

    prompted_agent = Agent(model, output_type=PromptedOutput(Fruit))
    fruit, _ = await _run(model, prompted_agent, "Describe a lemon", stream=False)
    body = lemon_server.requests[-1]["body"]
    assert "colour" in str(body.get("messages") or body.get("instructions"))  # the schema
    assert "tools" not in body and isinstance(fruit, Fruit)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "request"])
async def test_errors_are_pydantic_ai_errors_with_ours_as_the_cause(
    lemon_server: DevServer, stream: bool
) -> None:
    model = _model(lemon_server, "chat", "error-429")
    with pytest.raises(ModelHTTPError) as caught:
        await _run(model, Agent(model), "hi", stream)
    assert caught.value.status_code == 429
    assert isinstance(caught.value.__cause__, RateLimitError)
    assert isinstance(caught.value, ModelAPIError)


async def test_a_fallback_model_moves_on_after_our_error(lemon_server: DevServer) -> None:
    failing = _model(lemon_server, "chat", "error-503")
    working = _model(lemon_server, "chat")
    lemon_server.responder = lambda api, body: (
        Reply(status=503, error={"message": "down", "type": "server_error"})
        if body["model"] == "error-503"
        else Reply(text="from the second model")
    )
    agent = Agent(FallbackModel(failing, working))
    async with agent.run_stream("hi") as result:
        assert await result.get_output() == "from the second model"
    await failing.aclose()
    await working.aclose()
    assert [r["body"]["model"] for r in lemon_server.requests] == ["error-503", "gpt-4o-mini"]


async def test_a_connection_failure_is_a_model_api_error() -> None:
    model = LemonDataModel(
        "gpt-4o-mini",
        api="chat",
        api_key="sk-test-123456",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
    )
    with pytest.raises(ModelAPIError) as caught:
        await _run(model, Agent(model), "hi", stream=True)
    assert isinstance(caught.value.__cause__, LemonDataError)


async def test_count_tokens_is_the_offline_estimate() -> None:
    model = LemonDataModel("gpt-4o-mini", api_key="sk-test-123456")
    messages: list[Any] = [ModelRequest(parts=[UserPromptPart(content="How sour is a lemon?")])]
    usage = await model.count_tokens(messages, None, ModelRequestParameters())
    expected = count_message_tokens([{"role": "user", "content": "How sour is a lemon?"}])
    assert usage.input_tokens == expected > 0


async def test_retry_on_model_errors_retries_what_we_call_retryable(
    lemon_server: DevServer,
) -> None:
    capabilities = pytest.importorskip("pydantic_ai.capabilities")  # newer pydantic-ai only
    retry = getattr(capabilities, "RetryOnModelErrors", None)
    if retry is None:
        pytest.skip("this pydantic-ai has no RetryOnModelErrors")
    replies = iter(
        [
            Reply(
                status=503,
                error={"message": "busy", "type": "server_error"},
                headers={"Retry-After": "0"},
            ),
            Reply(text="second time lucky"),
            Reply(
                status=503,
                error={"message": "no channel", "type": "server_error", "retryable": False},
            ),
        ]
    )
    lemon_server.responder = lambda api, body: next(replies)
    model = _model(lemon_server)
    agent = Agent(model, capabilities=[retry(max_attempts=2)])
    output, _ = await _run(model, agent, "hi", stream=True)
    assert output == "second time lucky" and len(lemon_server.requests) == 2
    with pytest.raises(ModelHTTPError) as caught:  # the server said: do not retry
        await _run(model, agent, "hi", stream=True)
    assert len(lemon_server.requests) == 3 and caught.value.status_code == 503
