"""The ``lemon-adapters`` command: try a model from a shell (see :data:`HELP`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .testing.offline import Gateway

DIM, RESET = "\033[2m", "\033[0m"

HELP = """\
Stream LemonData models into LangChain and LlamaIndex, from a shell.

  lemon-adapters chat "prompt" [--framework langchain|llamaindex|core] [--api ...]
      stream one answer to the terminal (reasoning dimmed, tool calls shown)
  lemon-adapters demo
      the three-framework streaming demo (also what plain `lemon-adapters` runs)

Without LEMONDATA_API_KEY both answer from a local LemonData-shaped server and say so;
LEMONDATA_BASE_URL and LEMONDATA_MODEL pick the gateway and the model.
"""


def _announce(base_url: str) -> None:
    print(
        f"{DIM}(offline: LEMONDATA_API_KEY is not set; answering from a local "
        f"LemonData-shaped server at {base_url}){RESET}",
        file=sys.stderr,
    )


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _chat_langchain(prompt: str, model: str, api: Any, where: Gateway) -> None:
    from .langchain import ChatLemonData

    last = None
    for chunk in ChatLemonData(
        model=model, api=api, base_url=where.base_url, api_key=where.api_key
    ).stream(prompt):
        reasoning = chunk.additional_kwargs.get("reasoning_content")
        if reasoning:
            _write(f"{DIM}{reasoning}{RESET}")
        for part in chunk.tool_call_chunks:
            _write(f"\n[tool call {part['name']}] " if part.get("name") else "")
            _write(part.get("args") or "")
        _write(chunk.text)
        last = chunk
    if last is not None and last.usage_metadata:
        usage = last.usage_metadata
        _write(f"\n{DIM}-- tokens in/out {usage['input_tokens']}/{usage['output_tokens']}{RESET}")


def _chat_llamaindex(prompt: str, model: str, api: Any, where: Gateway) -> None:
    from llama_index.core.llms import ChatMessage

    from .llama_index import LemonData

    llm = LemonData(model=model, api=api, base_url=where.base_url, api_key=where.api_key)
    last = None
    for response in llm.stream_chat([ChatMessage(role="user", content=prompt)]):
        thinking = response.additional_kwargs.get("thinking_delta")
        if thinking:
            _write(f"{DIM}{thinking}{RESET}")
        _write(response.delta or "")
        last = response
    usage = (last.raw or {}).get("usage") if last is not None else None
    if isinstance(usage, dict):
        _write(
            f"\n{DIM}-- tokens in/out {usage.get('prompt_tokens')}/"
            f"{usage.get('completion_tokens')}{RESET}"
        )


def _chat_core(prompt: str, model: str, api: Any, where: Gateway) -> None:
    from lemon_adapters.core.request.call import Message

    from .core.client import LemonDataClient
    from .core.events import ReasoningDelta, TextDelta, ToolCallDelta

    messages: list[Message] = [{"role": "user", "content": prompt}]
    client = LemonDataClient(api_key=where.api_key, base_url=where.base_url)
    with client, client.stream(model=model, messages=messages, api=api) as s:
        for event in s:
            if isinstance(event, ReasoningDelta):
                _write(f"{DIM}{event.text}{RESET}")
            elif isinstance(event, TextDelta):
                _write(event.text)
            elif isinstance(event, ToolCallDelta):
                _write(f"\n[tool call {event.name}] " if event.name else "")
                _write(event.arguments)
    if s.result.usage:
        usage = s.result.usage
        _write(f"\n{DIM}-- tokens in/out {usage.input_tokens}/{usage.output_tokens}{RESET}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "demo":
        from .demo import main as demo

        return demo(args[1:])
    parser = argparse.ArgumentParser(
        prog="lemon-adapters",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="stream one answer")
    chat.add_argument("prompt")
    chat.add_argument(
        "--framework", choices=["langchain", "llamaindex", "core"], default="langchain"
    )
    chat.add_argument(
        "--api", choices=["auto", "responses", "chat", "messages", "gemini"], default="auto"
    )
    chat.add_argument("--model", default=os.environ.get("LEMONDATA_MODEL", "gpt-4o-mini"))
    sub.add_parser("demo", help="the three-framework streaming demo")
    ns = parser.parse_args(args)
    run = {"langchain": _chat_langchain, "llamaindex": _chat_llamaindex, "core": _chat_core}
    from .core.errors import LemonDataError
    from .testing.offline import gateway

    try:
        with gateway(delay=0.03, announce=_announce) as where:
            run[ns.framework](ns.prompt, ns.model, ns.api, where)
    except KeyboardInterrupt:
        _write("\ninterrupted\n")
        return 130
    except LemonDataError as err:
        print(f"\nerror: {err}", file=sys.stderr)
        return 1
    _write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
