"""The ``lemon-adapters`` command: try a model from a shell (see :data:`HELP`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

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


@contextlib.contextmanager
def _gateway() -> Iterator[None]:
    """The real API when a key is set, else a local server for the duration."""
    if os.environ.get("LEMONDATA_API_KEY"):
        yield
        return
    from lemon_adapters.testing.server import DevServer

    saved = {k: os.environ.get(k) for k in ("LEMONDATA_API_KEY", "LEMONDATA_BASE_URL")}
    with DevServer(delay=0.03) as server:
        os.environ["LEMONDATA_API_KEY"] = "sk-offline-cli"
        os.environ["LEMONDATA_BASE_URL"] = server.base_url
        print(
            f"{DIM}(offline: LEMONDATA_API_KEY is not set; answering from a local "
            f"LemonData-shaped server at {server.base_url}){RESET}",
            file=sys.stderr,
        )
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _chat_langchain(prompt: str, model: str, api: Any) -> None:
    from .langchain import ChatLemonData

    last = None
    for chunk in ChatLemonData(model=model, api=api).stream(prompt):
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


def _chat_llamaindex(prompt: str, model: str, api: Any) -> None:
    from llama_index.core.llms import ChatMessage

    from .llama_index import LemonData

    last = None
    for response in LemonData(model=model, api=api).stream_chat(
        [ChatMessage(role="user", content=prompt)]
    ):
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


def _chat_core(prompt: str, model: str, api: Any) -> None:
    from lemon_adapters.core.request.call import Message

    from .core.client import LemonDataClient
    from .core.events import ReasoningDelta, TextDelta, ToolCallDelta

    messages: list[Message] = [{"role": "user", "content": prompt}]
    with LemonDataClient() as client, client.stream(model=model, messages=messages, api=api) as s:
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

    try:
        with _gateway():
            run[ns.framework](ns.prompt, ns.model, ns.api)
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
