"""Structured output: a pydantic object from LangChain and from LlamaIndex.

Run: ``python examples/structured_output.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

from _offline import MODEL, lemondata
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field

from lemon_adapters.langchain import ChatLemonData
from lemon_adapters.llama_index import LemonData


class Fruit(BaseModel):
    """A fruit and how many of them to buy."""

    name: str = Field(description="the fruit's name")
    count: int = Field(description="how many to buy")


def main() -> None:
    """Ask both frameworks for a ``Fruit``."""
    structured = ChatLemonData(model=MODEL).with_structured_output(Fruit)  # tool calling
    fruit = structured.invoke("Buy 6 lemons")
    assert isinstance(fruit, Fruit)
    print("LangChain:", repr(fruit))

    llm = LemonData(model=MODEL)
    prompt = PromptTemplate("Buy {n} limes")
    for partial in llm.stream_structured_predict(Fruit, prompt, n=4):
        print("LlamaIndex (streaming):", repr(partial))


if __name__ == "__main__":
    with lemondata():
        main()
