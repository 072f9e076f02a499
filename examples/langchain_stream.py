"""A LangChain chain streaming token by token: prompt | ChatLemonData | StrOutputParser.

Run: ``python examples/langchain_stream.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from lemon_adapters.langchain import ChatLemonData


async def main() -> None:
    """Stream a chain sync and async, then show the usage on the model's last chunk."""
    model = ChatLemonData(model=MODEL)  # api="responses" by default
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a concise assistant."), ("user", "Tell me about {topic}.")]
    )
    chain = prompt | model | StrOutputParser()

    print("sync:  ", end="")
    for token in chain.stream({"topic": "lemons"}):
        print(token, end="", flush=True)
    print("\nasync: ", end="")
    async for token in chain.astream({"topic": "limes"}):
        print(token, end="", flush=True)
    print()

    last = None
    for chunk in (prompt | model).stream({"topic": "citrus"}):
        last = chunk
    assert last is not None
    print("usage on the last chunk:", last.usage_metadata)
    print("finish reason:", last.response_metadata.get("finish_reason"))
    await model.aclose()


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
