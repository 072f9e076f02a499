"""Scripted LemonData answers and the LlamaIndex round trips the cassettes hold.

The responders play a deterministic assistant on :class:`~lemon_adapters.testing.server.DevServer`
(either API). The scenario functions run a LlamaIndex consumer end to end and return what
it observed; tests assert on that, and ``record.py`` runs the same functions to (re)record
the cassettes, against the dev server or the real gateway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lemon_adapters.testing import Reply, neutral_view

# Distinctive numbers so a test can tell server-reported usage from a tiktoken estimate.
INPUT_TOKENS = 4321

AGENT_PROMPT = "Use the tools: add 3 and 4, then multiply the result by 5. Answer with the number."
RAG_QUESTION = "What colour is the lemon in the orchard?"
RAG_ANSWER = "According to the orchard notes, the lemon in the orchard is bright yellow."
DOCUMENTS = [
    "Orchard notes: the lemon in the orchard is bright yellow and very sour.",
    "Garden notes: the tomatoes are red and the basil is green.",
    "Kitchen notes: lemonade needs lemons, water and sugar.",
]


def add(a: int, b: int) -> int:
    """Add two integers and return the sum."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers and return the product."""
    return a * b


def _tool_results(api: str, body: dict[str, Any]) -> list[str]:
    messages, _ = neutral_view(api, body)
    return [str(m.get("content")) for m in messages if m.get("role") == "tool"]


def agent_responder(api: str, body: dict[str, Any]) -> Reply:
    """add(3, 4) first, then multiply(<sum>, 5), then the answer, whatever the API."""
    results = _tool_results(api, body)
    common: dict[str, Any] = {"chunk_chars": 3, "input_tokens": INPUT_TOKENS}
    if not results:
        return Reply(tool_calls=[("add", json.dumps({"a": 3, "b": 4}))], **common)
    if len(results) == 1:
        total = int(results[0])
        return Reply(tool_calls=[("multiply", json.dumps({"a": total, "b": 5}))], **common)
    return Reply(text=f"The result is {results[-1]}.", **common)


def rag_responder(api: str, body: dict[str, Any]) -> Reply:
    """Answers from the retrieved context if the orchard note made it into the prompt."""
    blob = json.dumps(body)
    text = RAG_ANSWER if "bright yellow" in blob else "I could not find it in the context."
    return Reply(text=text, chunk_chars=5, input_tokens=INPUT_TOKENS)


def structured_responder(api: str, body: dict[str, Any]) -> Reply:
    """A ``Fruit`` as JSON text (json_schema requested) or as a tool call (tools offered)."""
    fruit = json.dumps({"name": "lemon", "colour": "yellow", "sour": True})
    if body.get("tools"):
        tool = body["tools"][0]
        name = tool.get("function", tool)["name"]
        return Reply(tool_calls=[(name, fruit)], chunk_chars=4, input_tokens=INPUT_TOKENS)
    return Reply(text=fruit, chunk_chars=4, input_tokens=INPUT_TOKENS)


@dataclass
class AgentRun:
    """What a streamed FunctionAgent run showed, event by event."""

    events: list[Any] = field(default_factory=list)
    answer: str = ""


async def run_agent(llm: Any, *, streaming: bool = True) -> AgentRun:
    """A FunctionAgent with two tools; collects every event it streams."""
    from llama_index.core.agent.workflow import FunctionAgent

    agent = FunctionAgent(tools=[add, multiply], llm=llm, streaming=streaming)
    handler = agent.run(user_msg=AGENT_PROMPT)
    run = AgentRun()
    async for event in handler.stream_events():
        run.events.append(event)
    run.answer = str(await handler)
    return run


def build_index(llm: Any) -> Any:
    """A VectorStoreIndex over :data:`DOCUMENTS` with a mock embedding (no network).

    MockEmbedding gives every text the same vector, so retrieval order is decided by node
    id; fixed ids keep the prompt, and so the recorded request body, the same every run.
    """
    from llama_index.core import MockEmbedding, VectorStoreIndex
    from llama_index.core.schema import TextNode

    nodes = [TextNode(text=t, id_=f"node-{i}") for i, t in enumerate(DOCUMENTS)]
    return VectorStoreIndex(nodes, embed_model=MockEmbedding(embed_dim=8))


def query_streaming(llm: Any) -> tuple[list[str], str]:
    """``as_query_engine(streaming=True)``: the tokens of ``response_gen`` and the answer."""
    engine = build_index(llm).as_query_engine(llm=llm, streaming=True, similarity_top_k=3)
    response = engine.query(RAG_QUESTION)
    tokens = list(response.response_gen)
    return tokens, "".join(tokens)


async def aquery_streaming(llm: Any) -> tuple[list[str], str]:
    """The async twin of :func:`query_streaming`."""
    engine = build_index(llm).as_query_engine(llm=llm, streaming=True, similarity_top_k=3)
    response = await engine.aquery(RAG_QUESTION)
    tokens = [token async for token in response.async_response_gen()]
    return tokens, "".join(tokens)
