"""A pydantic-ai agent whose tool-call arguments stream before the tool runs.

Run: ``python examples/pydantic_ai_agent.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from pydantic_ai import Agent
from pydantic_ai.messages import (
    FunctionToolResultEvent,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai.run import AgentRunResultEvent

from lemon_adapters.pydantic_ai import LemonDataModel


async def main() -> None:
    """Stream one agent run's events: argument pieces, the tool's result, the answer."""
    model = LemonDataModel(MODEL)
    agent = Agent(model, instructions="Use the add tool for arithmetic.")

    @agent.tool_plain
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    async with agent.run_stream_events("What is 40 + 2?") as events:
        async for event in events:
            if isinstance(event, PartStartEvent) and isinstance(event.part, ToolCallPart):
                print(f"[calling {event.part.tool_name}] {event.part.args or ''}", end="")
            elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, ToolCallPartDelta):
                print(event.delta.args_delta or "", end="", flush=True)
            elif isinstance(event, FunctionToolResultEvent):
                print(f"\n[{event.part.tool_name} returned {event.part.content}]")
            elif isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
                print(event.part.content, end="", flush=True)
            elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                print(event.delta.content_delta, end="", flush=True)
            elif isinstance(event, AgentRunResultEvent):
                response = event.result.all_messages()[-1]
                print(f"\nusage: {response.usage}, request id: ", end="")
                print((response.provider_details or {}).get("request_id"))
    await model.aclose()


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
