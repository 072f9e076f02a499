"""CPU per chunk: our pydantic-ai and Agents SDK models against the frameworks' own OpenAI
model classes, on the same streams.

The testing kit's server runs in a child process (its CPU is not the client's) and streams
one long answer (``--chunks`` text deltas) on Chat Completions and on the Responses API.
Each contender streams it at the model level, the layer the frameworks plug a model in
(pydantic-ai: ``Model.request_stream`` through the parts manager; the Agents SDK:
``Model.stream_response``, the Responses events the Runner reads), ``--runs`` times after
one warm-up; the client's process CPU time (``time.process_time``) divided by the chunks
seen is the figure, as the median over the runs.

Run: ``python -m bench.agent_frameworks`` (offline; needs the dev extra and ``openai``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

KEY = "sk-bench-not-a-real-key"
MODEL = "gpt-4o-mini"


def serve(chunks: int) -> None:
    """The child process: a DevServer answering ``chunks`` four-character text deltas."""
    from lemon_adapters.testing.server import DevServer, Reply

    text = "lemn" * chunks
    with DevServer(lambda api, body: Reply(text=text, chunk_chars=4)) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


def _pydantic_ai(base_url: str, api: str, ours: bool) -> Callable[[], Awaitable[int]]:
    from pydantic_ai.messages import ModelRequest, UserPromptPart
    from pydantic_ai.models import ModelRequestParameters

    model: Any
    if ours:
        from lemon_adapters.pydantic_ai import LemonDataModel

        model = LemonDataModel(MODEL, api=api, api_key=KEY, base_url=base_url)  # type: ignore[arg-type]
    else:
        from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
        from pydantic_ai.providers.openai import OpenAIProvider

        cls = OpenAIChatModel if api == "chat" else OpenAIResponsesModel
        model = cls(MODEL, provider=OpenAIProvider(base_url=base_url, api_key=KEY))
    messages: list[Any] = [ModelRequest(parts=[UserPromptPart(content="Say hello.")])]

    async def run() -> int:
        n = 0
        async with model.request_stream(messages, None, ModelRequestParameters()) as stream:
            async for _ in stream:
                n += 1
        return n

    return run


def _agents(base_url: str, api: str, ours: bool) -> Callable[[], Awaitable[int]]:
    from agents import ModelSettings
    from agents.models.interface import ModelTracing

    model: Any
    if ours:
        from lemon_adapters.openai_agents import LemonDataModel

        model = LemonDataModel(MODEL, api=api, api_key=KEY, base_url=base_url)  # type: ignore[arg-type]
    else:
        from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
        from openai import AsyncOpenAI

        client = AsyncOpenAI(base_url=base_url, api_key=KEY)
        cls = OpenAIChatCompletionsModel if api == "chat" else OpenAIResponsesModel
        model = cls(MODEL, client)  # type: ignore[arg-type]

    async def run() -> int:
        n = 0
        async for event in model.stream_response(
            None,
            "Say hello.",
            ModelSettings(),
            [],
            None,
            [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        ):
            n += event.type == "response.output_text.delta"
        return n

    return run


CONTENDERS = {
    "pydantic-ai LemonDataModel": (_pydantic_ai, True),
    "pydantic-ai OpenAI model": (_pydantic_ai, False),
    "agents LemonDataModel": (_agents, True),
    "agents OpenAI model": (_agents, False),
}


async def measure(run: Callable[[], Awaitable[int]], runs: int) -> tuple[float, int]:
    """Median CPU microseconds per chunk over ``runs`` runs (after a warm-up), and chunks."""
    await run()
    per_chunk = []
    chunks = 0
    for _ in range(runs):
        start = time.process_time()
        chunks = await run()
        per_chunk.append((time.process_time() - start) / max(chunks, 1) * 1e6)
    return statistics.median(per_chunk), chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--frameworks",
        default="pydantic-ai,agents",
        help="pydantic-ai and/or agents (pydantic-ai's OpenAI classes need openai>=3, which "
        "the dev lock's llama-index-llms-openai excludes: run them from another env)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.chunks)
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.agent_frameworks", "--serve", "--chunks", str(args.chunks)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    base_url = child.stdout.readline().strip()
    try:
        print("| API | contender | CPU µs/chunk | chunks | vs OpenAI class |")
        print("| --- | --- | --- | --- | --- |")
        chosen = args.frameworks.split(",")
        for api in ("chat", "responses"):
            figures: dict[str, tuple[float, int]] = {}
            for name, (factory, ours) in CONTENDERS.items():
                if name.split()[0] not in chosen:
                    continue
                figures[name] = asyncio.run(measure(factory(base_url, api, ours), args.runs))
            for name, (cpu, chunks) in figures.items():
                peer = name.replace("LemonDataModel", "OpenAI model")
                ratio = cpu / figures[peer][0]
                print(f"| {api} | {name} | {cpu:.1f} | {chunks} | {ratio:.2f}x |")
    finally:
        child.stdin.close()
        child.wait(10)


if __name__ == "__main__":
    main()
