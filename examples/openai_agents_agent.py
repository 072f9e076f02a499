"""An OpenAI Agents SDK agent on LemonData: tool-call arguments stream before the tool runs.

Run: ``python examples/openai_agents_agent.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from agents import Agent, RunConfig, Runner, function_tool
from openai.types.responses import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseOutputItemAddedEvent,
    ResponseTextDeltaEvent,
)

from lemon_adapters.openai_agents import LemonDataProvider


@function_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def main() -> None:
    """Stream one run's raw Responses events and the tool's result."""
    provider = LemonDataProvider(MODEL)
    agent = Agent(name="calc", instructions="Use the add tool for arithmetic.", tools=[add])
    config = RunConfig(model_provider=provider, tracing_disabled=True)
    result = Runner.run_streamed(agent, "What is 40 + 2?", run_config=config)
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            data = event.data
            if isinstance(data, ResponseOutputItemAddedEvent) and data.item.type == "function_call":
                print(f"[calling {data.item.name}] ", end="")
            elif isinstance(data, ResponseFunctionCallArgumentsDeltaEvent | ResponseTextDeltaEvent):
                print(data.delta, end="", flush=True)  # argument pieces, then answer text
        elif event.type == "run_item_stream_event" and event.name == "tool_output":
            print(f"\n[add returned {event.item.output}]")  # type: ignore[union-attr]
    print("\nfinal:", result.final_output)
    await provider.aclose()


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
