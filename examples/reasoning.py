"""Reasoning deltas shown apart from the answer, with the core client and with LangChain.

Run: ``python examples/reasoning.py`` (offline unless LEMONDATA_API_KEY is set). Use a
reasoning model with a key, e.g. ``LEMONDATA_MODEL=deepseek-reasoner``.
"""

from __future__ import annotations

from _offline import MODEL, lemondata

from lemon_adapters import LemonDataClient, ReasoningDelta, TextDelta
from lemon_adapters.langchain import ChatLemonData

DIM, RESET = "\033[2m", "\033[0m"


def main() -> None:
    """Stream reasoning dimmed, then the answer."""
    question = [{"role": "user", "content": "Is 17 prime?"}]
    with (
        LemonDataClient() as client,
        client.stream(model=MODEL, messages=question, reasoning_effort="low") as stream,
    ):
        for event in stream:
            if isinstance(event, ReasoningDelta):
                print(f"{DIM}{event.text}{RESET}", end="", flush=True)
            elif isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
    print(
        f"\ncore: {len(stream.result.reasoning)} characters of reasoning, "
        f"{stream.result.usage.reasoning_tokens if stream.result.usage else 0} reasoning tokens"
    )

    model = ChatLemonData(model=MODEL, api="chat", reasoning_effort="low")
    for chunk in model.stream("Is 19 prime?"):
        thinking = chunk.additional_kwargs.get("reasoning_content")
        if thinking:
            print(f"{DIM}{thinking}{RESET}", end="", flush=True)
        print(chunk.text, end="", flush=True)
    print()


if __name__ == "__main__":
    with lemondata():
        main()
