"""The SDKs the peers are built on: openai and anthropic."""

from __future__ import annotations

from ._base import (
    CLAUDE,
    KEY,
    MAX_TOKENS,
    MODEL,
    PROMPT,
    AsyncRun,
    NotApplicable,
    Result,
    SyncRun,
    perf,
)
from .ours import MESSAGES

# -- the SDKs (what the peers are built on): openai, anthropic --------------------------


def _not_on_messages(what: str, api: str) -> None:
    if api == "messages":
        raise NotApplicable(f"{what} has no Anthropic Messages API")


def _only_messages(what: str, api: str) -> None:
    if api != "messages":
        raise NotApplicable(f"{what} speaks only the Anthropic Messages API")


def _anthropic_base(base: str) -> str:
    """The anthropic SDK appends ``/v1/messages`` to its base URL."""
    return base.removesuffix("/v1")


def openai_sync(base: str, api: str) -> SyncRun:
    _not_on_messages("the openai SDK", api)
    from openai import OpenAI

    client = OpenAI(api_key=KEY, base_url=base, max_retries=0)

    def run() -> Result:
        n, first = 0, None
        if api == "responses":
            for event in client.responses.create(model=MODEL, input=PROMPT, stream=True):
                if event.type.endswith(".delta"):
                    n += 1
                    if first is None:
                        first = perf()
        else:
            for chunk in client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": PROMPT}],
                stream=True,
                stream_options={"include_usage": True},
            ):
                if chunk.choices and (
                    chunk.choices[0].delta.content or chunk.choices[0].delta.tool_calls
                ):
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


def openai_async(base: str, api: str) -> AsyncRun:
    _not_on_messages("the openai SDK", api)
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=KEY, base_url=base, max_retries=0)

    async def run() -> Result:
        n, first = 0, None
        if api == "responses":
            stream = await client.responses.create(model=MODEL, input=PROMPT, stream=True)
            async for event in stream:
                if event.type.endswith(".delta"):
                    n += 1
                    if first is None:
                        first = perf()
        else:
            chunks = await client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": PROMPT}],
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in chunks:
                if chunk.choices and (
                    chunk.choices[0].delta.content or chunk.choices[0].delta.tool_calls
                ):
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


def anthropic_sync(base: str, api: str) -> SyncRun:
    """The anthropic SDK's raw event stream (``messages.create(stream=True)``, what
    ChatAnthropic and llama-index's Anthropic read), content = ``content_block_delta``."""
    _only_messages("the anthropic SDK", api)
    from anthropic import Anthropic

    client = Anthropic(api_key=KEY, base_url=_anthropic_base(base), max_retries=0)

    def run() -> Result:
        n, first = 0, None
        for event in client.messages.create(
            model=CLAUDE,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        ):
            if event.type == "content_block_delta":
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run


def anthropic_async(base: str, api: str) -> AsyncRun:
    _only_messages("the anthropic SDK", api)
    from anthropic import AsyncAnthropic

    client = AsyncAnthropic(api_key=KEY, base_url=_anthropic_base(base), max_retries=0)

    async def run() -> Result:
        n, first = 0, None
        stream = await client.messages.create(
            model=CLAUDE,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        async for event in stream:
            if event.type == "content_block_delta":
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run
