"""A LangGraph agent whose tool-call arguments stream before the tool runs.

Run: ``python examples/langgraph_agent.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

from _offline import MODEL, lemondata
from langchain.agents import create_agent
from langchain_core.messages import AIMessageChunk, ToolMessage
from langchain_core.tools import tool

from lemon_adapters.langchain import ChatLemonData


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def main() -> None:
    """Stream one agent turn with ``stream_mode="messages"``."""
    agent = create_agent(ChatLemonData(model=MODEL), [add, multiply])
    question = {"messages": [{"role": "user", "content": "What is 40 + 2?"}]}
    for message, _meta in agent.stream(question, stream_mode="messages"):
        if isinstance(message, AIMessageChunk):
            for part in message.tool_call_chunks:
                if part.get("name"):
                    print(f"\n[calling {part['name']}] ", end="")
                print(part.get("args") or "", end="", flush=True)
            if message.text:
                print(message.text, end="", flush=True)
        elif isinstance(message, ToolMessage):
            print(f"\n[{message.name} returned {message.content}]")
    print()


if __name__ == "__main__":
    with lemondata():
        main()
