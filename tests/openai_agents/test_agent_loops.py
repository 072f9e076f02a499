"""The recorded two-turn tool conversations through a real Agents SDK ``Runner.run_streamed``.

The same recordings as pydantic-ai's (``tests/pydantic_ai/replay.py``), replayed over HTTP:
each tool runs once with the recorded arguments, the argument deltas reach the caller as
Responses events before any tool runs, the second request carries the calls and their
results with matching ids, and the final output is the recorded answer. The Messages API
loops with extended thinking must send the signed thinking block back exactly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from agents import Agent, ModelSettings, RunConfig, Runner, function_tool
from agents.stream_events import RawResponsesStreamEvent
from openai.types.responses import ResponseFunctionCallArgumentsDeltaEvent

from lemon_adapters.openai_agents import LemonDataModel, LemonDataProvider

from ..pydantic_ai.replay import (
    THINKING_LOOPS,
    TOOL_CONVERSATIONS,
    Conversation,
    Replay,
    conversation,
)


def _prompts(conv: Conversation) -> tuple[str, str]:
    first = conv.requests[0]
    items = first.get("messages") or first.get("input")
    system = next(m["content"] for m in items if m["role"] in ("system", "developer"))
    user = next(m["content"] for m in items if m["role"] == "user")
    if isinstance(user, list):
        user = "".join(p["text"] for p in user)
    return system, user


def _model(conv: Conversation, server: Replay) -> LemonDataModel:
    return LemonDataModel(
        conv.requests[0]["model"],
        api=conv.api,  # type: ignore[arg-type]
        api_key="sk-test-123456",
        base_url=server.base_url,
        max_retries=0,
    )


def _second_turn(api: str, body: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    if api == "responses":
        items = body["input"]
        calls = [
            (i["call_id"], i["name"], json.loads(i["arguments"]))
            for i in items
            if i.get("type") == "function_call"
        ]
        results = [
            (i["call_id"], str(i["output"]))
            for i in items
            if i.get("type") == "function_call_output"
        ]
        return calls, results
    messages = body["messages"]
    calls = [
        (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for m in messages
        for c in m.get("tool_calls") or ()
    ]
    results = [(m["tool_call_id"], str(m["content"])) for m in messages if m["role"] == "tool"]
    return calls, results


@pytest.mark.parametrize("name", TOOL_CONVERSATIONS)
async def test_a_runner_runs_the_recorded_tool_conversation(name: str) -> None:
    conv = conversation(name)
    system, prompt = _prompts(conv)
    ran: list[tuple[str, dict[str, int], int]] = []
    events: list[Any] = []

    @function_tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        ran.append(("add", {"a": a, "b": b}, len(events)))
        return a + b

    @function_tool
    def multiply(a: int, b: int) -> int:
        """Multiply two numbers."""
        ran.append(("multiply", {"a": a, "b": b}, len(events)))
        return a * b

    with Replay(conv.bodies) as server:
        model = _model(conv, server)
        agent = Agent(name="calc", instructions=system, model=model, tools=[add, multiply])
        result = Runner.run_streamed(agent, prompt, run_config=RunConfig(tracing_disabled=True))
        async for event in result.stream_events():
            events.append(event)
        await model.close()
        sent = server.received

    recorded = conv.answers[0].tool_calls
    assert sorted((n, a) for n, a, _ in ran) == sorted((c.name, c.args) for c in recorded)
    first_delta = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, RawResponsesStreamEvent)
        and isinstance(e.data, ResponseFunctionCallArgumentsDeltaEvent)
    )
    assert all(first_delta < seen for _, _, seen in ran)  # deltas before any tool ran
    assert len(sent) == 2
    calls, results = _second_turn(conv.api, sent[1])
    assert calls == [(c.id, c.name, c.args) for c in recorded]
    outputs = {"add": "5", "multiply": "6"}
    assert sorted(results) == sorted((c.id, outputs[c.name or ""]) for c in recorded)
    assert result.final_output == conv.answers[1].text and result.final_output


@pytest.mark.parametrize("name", list(THINKING_LOOPS))
async def test_the_signed_thinking_block_goes_back_exactly(name: str) -> None:
    conv = conversation(name)
    first = conv.requests[0]
    prompt = first["messages"][0]["content"][0]["text"]
    answer = THINKING_LOOPS[name]

    @function_tool
    def weather(location: str) -> str:
        """Get weather information for a location."""
        return answer

    @function_tool
    def fixed_version() -> str:
        """Return a fixed test version string."""
        return answer

    tool = weather if first["tools"][0]["name"] == "weather" else fixed_version
    settings = ModelSettings(
        max_tokens=first["max_tokens"], extra_args={"thinking": first["thinking"]}
    )
    with Replay(conv.bodies) as server:
        provider = LemonDataProvider(
            api="messages", api_key="sk-test-123456", base_url=server.base_url, max_retries=0
        )
        agent = Agent(name="a", model=first["model"], tools=[tool], model_settings=settings)
        config = RunConfig(model_provider=provider, tracing_disabled=True)
        result = Runner.run_streamed(agent, prompt, run_config=config)
        async for _ in result.stream_events():
            pass
        await provider.aclose()
        sent = server.received

    assert len(sent) == 2
    assert sent[0]["thinking"] == first["thinking"]
    recorded = conv.requests[1]["messages"][1]["content"]
    assistant = sent[1]["messages"][1]["content"]
    assert assistant[0]["type"] == "thinking"  # first in its turn, as the API requires
    assert [b for b in assistant if b["type"] == "thinking"] == [
        b for b in recorded if b["type"] == "thinking"
    ]  # the block, signature included, unchanged
    call = next(b for b in assistant if b["type"] == "tool_use")
    recorded_call = next(b for b in recorded if b["type"] == "tool_use")
    assert (call["id"], call["name"], call["input"]) == (
        recorded_call["id"],
        recorded_call["name"],
        recorded_call["input"],
    )
    tool_result = sent[1]["messages"][2]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == call["id"]
    assert answer in json.dumps(tool_result)
    assert result.final_output == conv.answers[1].text and result.final_output
