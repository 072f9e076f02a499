"""A LlamaIndex FunctionAgent streaming tool-call arguments, tool results and its answer.

Run: ``python examples/llamaindex_agent.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from llama_index.core.agent.workflow import (
    AgentStream,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)

from lemon_adapters.llama_index import LemonData


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


async def main() -> None:
    """Run the agent and print its events as they stream."""
    agent = FunctionAgent(tools=[add, multiply], llm=LemonData(model=MODEL))
    handler = agent.run("What is 40 + 2?")
    shown: dict[str, object] = {}
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            print(f"\n[{event.tool_name} returned {event.tool_output.content}]")
        elif isinstance(event, ToolCall):
            print(f"\n[calling {event.tool_name}({event.tool_kwargs})]")
        elif isinstance(event, AgentStream):
            if event.tool_calls and event.tool_calls[-1].tool_kwargs != shown:
                shown = dict(event.tool_calls[-1].tool_kwargs)
                print(f"  arguments so far: {shown}")
            print(event.delta, end="", flush=True)
    print("\nfinal:", await handler)


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
