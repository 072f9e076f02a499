"""The main job: three live streams in the terminal, one per framework.

1. a LangChain chain (``prompt | ChatLemonData``) answering token by token;
2. a LangGraph agent turn whose tool-call arguments grow on screen before the tool runs;
3. a LlamaIndex query engine answering over a few bundled documents, retrieved with
   LemonData embeddings and reranked by LemonData's reranker.

Each ends with its time to first token, tokens per second and token usage. Without
``LEMONDATA_API_KEY`` it starts :class:`~lemon_adapters.testing.server.DevServer` on 127.0.0.1,
paced like a real model (30-60 ms between tokens), and says so; with a key it uses the
real API and ``--model`` (or ``LEMONDATA_MODEL``). Ctrl-C ends it cleanly.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .testing.offline import Gateway

DOCUMENTS = [
    "Lemons are citrus fruits rich in vitamin C; one lemon holds about 30 mg.",
    "Lemon juice is about five percent citric acid, which is why lemons taste sour.",
    "Meyer lemons are a cross between a lemon and a mandarin orange, sweeter than most.",
    "Lemon trees flower and fruit all year round in warm climates.",
]

DIM, BOLD, CYAN, RESET = "\033[2m", "\033[1m", "\033[36m", "\033[0m"


@dataclass
class Meter:
    """Times one stream: time to first token, deltas per second, usage."""

    title: str
    start: float = field(default_factory=time.perf_counter)
    first: float | None = None
    deltas: int = 0
    usage: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        out(f"\n{BOLD}== {self.title}{RESET}\n{DIM}connecting ...{RESET}\r")

    def tick(self) -> None:
        """One delta arrived."""
        if self.first is None:
            self.first = time.perf_counter()
            out(" " * 16 + "\r")  # clear the "connecting" line
        self.deltas += 1

    def add_usage(self, input_tokens: int, output_tokens: int) -> None:
        """Count a model call's reported tokens."""
        self.usage["input"] = self.usage.get("input", 0) + input_tokens
        self.usage["output"] = self.usage.get("output", 0) + output_tokens

    def report(self) -> None:
        """Print the figures."""
        end = time.perf_counter()
        if self.first is None:
            out(f"\n{DIM}-- no tokens received{RESET}\n")
            return
        ttft = (self.first - self.start) * 1000
        rate = self.deltas / max(end - self.first, 1e-9)
        usage = (
            f", tokens in/out {self.usage.get('input', 0)}/{self.usage.get('output', 0)}"
            if self.usage
            else ""
        )
        out(f"\n{DIM}-- time to first token {ttft:.0f} ms, {rate:.0f} tokens/s{usage}{RESET}\n")


def out(text: str) -> None:
    """Write to the terminal at once."""
    sys.stdout.write(text)
    sys.stdout.flush()


def chain_stream(model: str, api: Any, where: Gateway) -> None:
    """A LangChain chain, token by token."""
    from langchain_core.prompts import ChatPromptTemplate

    from .langchain import ChatLemonData

    llm = ChatLemonData(model=model, api=api, base_url=where.base_url, api_key=where.api_key)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a concise assistant."), ("user", "{question}")]
    )
    meter = Meter(f"LangChain chain: prompt | ChatLemonData ({api} API)")
    for chunk in (prompt | llm).stream({"question": "Why do lemons taste sour?"}):
        if chunk.text:
            meter.tick()
            out(chunk.text)
        if chunk.usage_metadata:
            meter.add_usage(
                chunk.usage_metadata["input_tokens"], chunk.usage_metadata["output_tokens"]
            )
    meter.report()


def agent_stream(model: str, api: Any, where: Gateway) -> None:
    """A LangGraph agent turn: tool-call arguments grow, the tool runs, the answer streams."""
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessageChunk, ToolMessage
    from langchain_core.tools import tool

    from .langchain import ChatLemonData

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @tool
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    llm = ChatLemonData(model=model, api=api, base_url=where.base_url, api_key=where.api_key)
    agent = create_agent(llm, [add, multiply])
    meter = Meter(f"LangGraph agent with two tools ({api} API)")
    question: Any = {"messages": [{"role": "user", "content": "What is 40 + 2? Use a tool."}]}
    for message, _meta in agent.stream(question, stream_mode="messages"):
        if isinstance(message, AIMessageChunk):
            for part in message.tool_call_chunks:
                meter.tick()
                if part.get("name"):
                    out(f"[tool call] {part['name']}(")
                out(f"{CYAN}{part.get('args') or ''}{RESET}")
            if message.text:
                meter.tick()
                out(message.text)
            if message.usage_metadata:
                meter.add_usage(
                    message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]
                )
        elif isinstance(message, ToolMessage):
            out(f")\n[tool ran] {message.name} -> {message.content}\n")
    meter.report()


def query_engine_stream(
    model: str, api: Any, embedding: str, reranker: str, where: Gateway
) -> None:
    """A LlamaIndex query engine over the bundled documents: LemonData embeddings find the
    candidates, LemonData's reranker keeps the best two, the model answers from them."""
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

    from .llama_index import LemonData, LemonDataEmbedding, LemonDataRerank

    key, base = where.api_key, where.base_url
    embed_model = LemonDataEmbedding(model=embedding, api_key=key, base_url=base)
    # Query engines report LLM and embedding events to the global callback manager; with
    # the embedding model's tokenizer, embedding counts are what the server reported.
    counter = TokenCountingHandler(tokenizer=embed_model.tokenizer)
    Settings.callback_manager = CallbackManager([counter])
    llm = LemonData(model=model, api=api, api_key=key, base_url=base)
    index = VectorStoreIndex.from_documents(
        [Document(text=t) for t in DOCUMENTS], embed_model=embed_model
    )
    engine = index.as_query_engine(
        llm=llm,
        streaming=True,
        similarity_top_k=len(DOCUMENTS),
        node_postprocessors=[LemonDataRerank(model=reranker, top_n=2, api_key=key, base_url=base)],
    )
    meter = Meter(
        f"LlamaIndex query engine over {len(DOCUMENTS)} documents: {embedding}, "
        f"{reranker}, {model} ({api} API)"
    )
    response = engine.query("Why do lemons taste sour?")
    for token in _tokens(response):
        meter.tick()
        out(token)
    meter.add_usage(counter.prompt_llm_token_count, counter.completion_llm_token_count)
    meter.report()
    for node in response.source_nodes:
        out(f"{DIM}   source (relevance {node.score or 0:.2f}): {node.get_content()}{RESET}\n")
    out(f"{DIM}-- embedding tokens {counter.total_embedding_token_count}{RESET}\n")


HELP = """\
Three live streams in the terminal, one per framework:
  1. a LangChain chain (prompt | ChatLemonData) answering token by token;
  2. a LangGraph agent turn whose tool-call arguments grow before the tool runs;
  3. a LlamaIndex query engine answering over a few bundled documents, found with
     LemonData embeddings and reranked by LemonData's reranker.
Each ends with its time to first token, tokens per second and token usage. Without
LEMONDATA_API_KEY it streams from a local LemonData-shaped server paced like a real
model, and says so; with the key it uses the real API and --model (or LEMONDATA_MODEL).
"""


def _announce(base_url: str) -> None:
    out(
        "LEMONDATA_API_KEY is not set: streaming from a local LemonData-shaped server at "
        f"{base_url}\n(offline demo, paced like a real model; set the key to use the real API)\n"
    )


def _tokens(response: Any) -> Iterator[str]:
    yield from response.response_gen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="lemon-adapters demo",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--api", choices=["auto", "responses", "chat", "messages", "gemini"], default="auto"
    )
    parser.add_argument("--model", default=os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini"))
    parser.add_argument(
        "--embedding-model",
        default=os.environ.get("LEMONDATA_EMBEDDING_MODEL", "text-embedding-3-small"),
    )
    parser.add_argument(
        "--rerank-model",
        default=os.environ.get("LEMONDATA_RERANK_MODEL", "BAAI/bge-reranker-v2-m3"),
    )
    parser.add_argument(
        "--delay", type=float, default=0.03, help="offline: least seconds between tokens"
    )
    parser.add_argument(
        "--jitter", type=float, default=0.03, help="offline: up to this many seconds more"
    )
    args = parser.parse_args(argv)

    from .testing.offline import gateway

    try:
        with gateway(delay=args.delay, jitter=args.jitter, announce=_announce) as where:
            if not where.offline:
                base = where.base_url or "https://api.lemondata.cc/v1"
                out(f"Using the real LemonData API at {base} with model {args.model}.\n")
            out(f"{DIM}loading LangChain and LlamaIndex ...{RESET}\n")
            chain_stream(args.model, args.api, where)
            agent_stream(args.model, args.api, where)
            query_engine_stream(
                args.model, args.api, args.embedding_model, args.rerank_model, where
            )
    except KeyboardInterrupt:
        out(f"\n{DIM}interrupted{RESET}\n")
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
