"""The main job: stream a few answers live in the terminal.

Without ``LEMONDATA_API_KEY`` it starts :class:`~lemon_adapters.devserver.DevServer` on
127.0.0.1 (paced like a real model) and says so; with a key it talks to the real API.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from .core.client import LemonDataClient
from .core.events import ReasoningDelta, TextDelta, ToolCallDelta


def _stream_one(client: LemonDataClient, model: str, api: Any, title: str,
                messages: list[dict[str, Any]], **params: Any) -> None:
    out = sys.stdout
    out.write(f"\n\033[1m== {title} ({api} API, model {model})\033[0m\n")
    start = time.perf_counter()
    first: float | None = None
    deltas = 0
    with client.stream(model=model, messages=messages, api=api, **params) as stream:
        for event in stream:
            if isinstance(event, TextDelta | ReasoningDelta | ToolCallDelta):
                if first is None:
                    first = time.perf_counter()
                deltas += 1
            if isinstance(event, ReasoningDelta):
                out.write(f"\033[2m{event.text}\033[0m")
            elif isinstance(event, TextDelta):
                out.write(event.text)
            elif isinstance(event, ToolCallDelta):
                if event.name:
                    out.write(f"\n[tool call {event.name}] ")
                out.write(f"\033[36m{event.arguments}\033[0m")
            out.flush()
        result = stream.result
    elapsed = time.perf_counter() - start
    ttft = (first - start) * 1000 if first else float("nan")
    rate = deltas / (elapsed - (first - start)) if first and elapsed > first - start else 0.0
    usage = result.usage
    out.write(
        f"\n\033[2m-- finish={result.finish_reason} ttft={ttft:.0f} ms "
        f"{rate:.0f} deltas/s"
        + (f" tokens in/out/total={usage.input_tokens}/{usage.output_tokens}/"
           f"{usage.total_tokens}" if usage else "")
        + "\033[0m\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="lemon-adapters demo", description=__doc__)
    parser.add_argument("--api", choices=["responses", "chat"], default="responses")
    parser.add_argument("--model", default=os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini"))
    parser.add_argument("--delay", type=float, default=0.04,
                        help="seconds between offline tokens (default 0.04)")
    args = parser.parse_args(argv)

    server = None
    if os.environ.get("LEMONDATA_API_KEY"):
        client = LemonDataClient()
        print(f"Using the real LemonData API at {client.base_url}")
    else:
        from .devserver import DevServer

        server = DevServer(delay=args.delay).start()
        client = LemonDataClient(api_key="sk-offline-demo", base_url=server.base_url)
        print(
            "LEMONDATA_API_KEY is not set: streaming from a local LemonData-shaped server at "
            f"{server.base_url} (offline demo; set the key to use the real API)."
        )
    tools = [{
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {"type": "object", "properties": {
                "a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"]},
        },
    }]
    try:
        with client:
            _stream_one(client, args.model, args.api, "Streaming text",
                        [{"role": "user", "content": "Say hello in three languages."}])
            _stream_one(client, args.model, args.api, "Reasoning then answer",
                        [{"role": "user", "content": "Is 17 prime?"}], reasoning_effort="low")
            _stream_one(client, args.model, args.api, "Tool call arguments streaming",
                        [{"role": "user", "content": "What is 40 + 2?"}], tools=tools)
    except KeyboardInterrupt:
        print("\ninterrupted")
        return 130
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
