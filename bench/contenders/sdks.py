"""The SDKs the peers are built on: openai, anthropic and google-genai."""

from __future__ import annotations

from typing import Any

from ._base import (
    CLAUDE,
    GEMINI,
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

# -- the SDKs (what the peers are built on): openai, anthropic, google-genai ------------


def _only_openai(what: str, api: str) -> None:
    if api not in ("chat", "responses"):
        raise NotApplicable(f"{what} speaks only Chat Completions and Responses")


def _only_messages(what: str, api: str) -> None:
    if api != "messages":
        raise NotApplicable(f"{what} speaks only the Anthropic Messages API")


def _only_gemini(what: str, api: str) -> None:
    if api != "gemini":
        raise NotApplicable(f"{what} speaks only the Gemini API")


def _anthropic_base(base: str) -> str:
    """The anthropic SDK appends ``/v1/messages`` to its base URL."""
    return base.removesuffix("/v1")


def openai_sync(base: str, api: str) -> SyncRun:
    _only_openai("the openai SDK", api)
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
    _only_openai("the openai SDK", api)
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


def _google_base(base: str) -> str:
    """google-genai appends ``/v1beta/models/{model}:streamGenerateContent`` to its base."""
    return base.removesuffix("/v1")


def google_client(base: str) -> Any:
    """A google-genai client on the bench server (any key; the server ignores it)."""
    from google import genai
    from google.genai import types

    return genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=_google_base(base)))


def _google_content(chunk: Any) -> bool:
    candidates = chunk.candidates
    if not candidates or candidates[0].content is None:
        return False
    return any(p.text or p.function_call for p in candidates[0].content.parts or ())


def google_sync(base: str, api: str) -> SyncRun:
    """google-genai's ``models.generate_content_stream`` (what ChatGoogleGenerativeAI and
    llama-index's GoogleGenAI read), content = a chunk with text or a function call."""
    _only_gemini("the google-genai SDK", api)
    client = google_client(base)

    def run() -> Result:
        n, first = 0, None
        for chunk in client.models.generate_content_stream(model=GEMINI, contents=PROMPT):
            if _google_content(chunk):
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run


def google_async(base: str, api: str) -> AsyncRun:
    _only_gemini("the google-genai SDK", api)
    client = google_client(base)

    async def run() -> Result:
        n, first = 0, None
        stream = await client.aio.models.generate_content_stream(model=GEMINI, contents=PROMPT)
        async for chunk in stream:
            if _google_content(chunk):
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run
