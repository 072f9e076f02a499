"""The recorded two-turn tool conversations through a real pydantic-ai ``Agent``.

Each conversation's two recorded answers are replayed over HTTP (``replay.Replay``): the
agent must run each tool once with the recorded arguments, stream the tool-call deltas
before any tool runs, send the calls and their results back with matching ids, and end on
the recorded answer. The Messages API loops with extended thinking must also send the
signed thinking block back exactly as the first answer gave it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import (
    AgentStreamEvent,
    PartDeltaEvent,
    PartStartEvent,
    ThinkingPart,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai.run import AgentRunResultEvent

from lemon_adapters.pydantic_ai import LemonDataModel

from .replay import THINKING_LOOPS, TOOL_CONVERSATIONS, Conversation, Replay, conversation


def _prompts(conv: Conversation) -> tuple[str, str]:
    """The recorded system prompt and user prompt (either API's shape)."""
    first = conv.requests[0]
    items = first.get("messages") or first.get("input")
    system = next(m["content"] for m in items if m["role"] in ("system", "developer"))
    user = next(m["content"] for m in items if m["role"] == "user")
    if isinstance(user, list):
        user = "".join(p["text"] for p in user)
    return system, user


def _model(conv: Conversation, server: Replay, **kwargs: Any) -> LemonDataModel:
    return LemonDataModel(
        conv.requests[0]["model"],
        api=conv.api,  # type: ignore[arg-type]
        api_key="sk-test-123456",
        base_url=server.base_url,
        max_retries=0,
        **kwargs,
    )


def _is_tool_call_event(event: AgentStreamEvent) -> bool:
    if isinstance(event, PartStartEvent):
        return isinstance(event.part, ToolCallPart)
    return isinstance(event, PartDeltaEvent) and isinstance(event.delta, ToolCallPartDelta)


async def _run(agent: Agent[None, str], prompt: str) -> tuple[list[Any], str]:
    events: list[Any] = []
    output = ""
    async with agent.run_stream_events(prompt) as stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, AgentRunResultEvent):
                output = event.result.output
    return events, output


def _second_turn_calls(api: str, body: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """``(calls, results)`` as ``(id, name, args)`` and ``(id, output)`` in a sent body."""
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
async def test_an_agent_runs_the_recorded_tool_conversation(name: str) -> None:
    conv = conversation(name)
    system, prompt = _prompts(conv)
    ran: list[tuple[str, dict[str, int], int]] = []
    events: list[Any] = []

    with Replay(conv.bodies) as server:
        model = _model(conv, server)
        agent = Agent(model, instructions=system)

        @agent.tool_plain
        def add(a: int, b: int) -> int:
            """Add two numbers."""
            ran.append(("add", {"a": a, "b": b}, len(events)))
            return a + b

        @agent.tool_plain
        def multiply(a: int, b: int) -> int:
            """Multiply two numbers."""
            ran.append(("multiply", {"a": a, "b": b}, len(events)))
            return a * b

        output = ""
        async with agent.run_stream_events(prompt) as stream:
            async for event in stream:
                events.append(event)
                if isinstance(event, AgentRunResultEvent):
                    output = event.result.output
        await model.aclose()
        sent = server.received

    recorded_calls = conv.answers[0].tool_calls
    assert sorted((n, a) for n, a, _ in ran) == sorted(
        (c.name, c.args) for c in recorded_calls
    )  # each tool once, with the recorded arguments
    first_delta = next(i for i, e in enumerate(events) if _is_tool_call_event(e))
    assert all(first_delta < seen for _, _, seen in ran)  # deltas before any tool ran
    assert len(sent) == 2
    calls, results = _second_turn_calls(conv.api, sent[1])
    assert calls == [(c.id, c.name, c.args) for c in recorded_calls]
    outputs = {"add": "5", "multiply": "6"}
    assert sorted(results) == sorted((c.id, outputs[c.name or ""]) for c in recorded_calls)
    assert output == conv.answers[1].text  # the recorded final answer
    assert output


@pytest.mark.parametrize("name", list(THINKING_LOOPS))
async def test_the_signed_thinking_block_goes_back_exactly(name: str) -> None:
    conv = conversation(name)
    first = conv.requests[0]
    prompt = first["messages"][0]["content"][0]["text"]
    tool = first["tools"][0]
    budget = first["thinking"]["budget_tokens"]

    with Replay(conv.bodies) as server:
        model = _model(conv, server, settings={"max_tokens": first["max_tokens"]})
        agent = Agent(model, model_settings={"thinking": "low" if budget <= 2048 else "medium"})
        if tool["name"] == "weather":

            @agent.tool_plain
            def weather(location: str) -> str:
                """Get weather information for a location."""
                return THINKING_LOOPS[name]
        else:

            @agent.tool_plain
            def fixed_version() -> str:
                """Return a fixed test version string."""
                return THINKING_LOOPS[name]

        events, output = await _run(agent, prompt)
        await model.aclose()
        sent = server.received

    thinking = [
        e.part for e in events if isinstance(e, PartStartEvent) and isinstance(e.part, ThinkingPart)
    ]
    assert thinking and thinking[0].provider_name == "lemondata"
    assert len(sent) == 2
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
    result = sent[1]["messages"][2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == call["id"]
    assert THINKING_LOOPS[name] in json.dumps(result)
    assert output == conv.answers[1].text and output
