"""The chat models of LangChain and LlamaIndex: ours and the peers."""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from typing import Any

from ._base import CLAUDE, GEMINI, KEY, MAX_TOKENS, MODEL, PROMPT, AsyncRun, Result, SyncRun, perf
from .ours import PACKAGE, _require
from .sdks import _anthropic_base, _google_base, _only_gemini, _only_messages, _only_openai

# -- LangChain: ours, langchain-openai and langchain-anthropic --------------------------


def _lc_content(chunk: Any) -> bool:
    return bool(chunk.content or chunk.tool_call_chunks)


def _lc_sync(llm: Any) -> SyncRun:
    def run() -> Result:
        n, first = 0, None
        for chunk in llm.stream(PROMPT):
            if _lc_content(chunk):
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run


def _lc_async(llm: Any) -> AsyncRun:
    async def run() -> Result:
        n, first = 0, None
        async for chunk in llm.astream(PROMPT):
            if _lc_content(chunk):
                n += 1
                if first is None:
                    first = perf()
        return n, first

    return run


def _chat_lemon(base: str, api: str, package: str = PACKAGE) -> Any:
    _require(package, api)
    chat_lemon_data = importlib.import_module(package + ".langchain").ChatLemonData
    return chat_lemon_data(model=MODEL, api=api, api_key=KEY, base_url=base, max_retries=0)


def _chat_openai(base: str, api: str) -> Any:
    _only_openai("langchain-openai", api)
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        base_url=base,
        api_key=KEY,
        max_retries=0,  # type: ignore[arg-type]
        use_responses_api=api == "responses",
        stream_usage=True,
    )


def _chat_anthropic(base: str, api: str) -> Any:
    _only_messages("langchain-anthropic", api)
    from langchain_anthropic import ChatAnthropic

    # With no tools bound (no contender binds any) ChatAnthropic reads content as text and
    # warns once per stream that a tool_use block arrived; it still streams the call.
    warnings.filterwarnings("ignore", "Received unexpected tool content block")
    return ChatAnthropic(  # type: ignore[call-arg]
        model=CLAUDE,
        base_url=_anthropic_base(base),
        api_key=KEY,
        max_retries=0,
        max_tokens=MAX_TOKENS,
        stream_usage=True,
    )


def _chat_google(base: str, api: str) -> Any:
    _only_gemini("langchain-google-genai", api)
    from langchain_google_genai import ChatGoogleGenerativeAI

    # max_retries=1 is "no retries" here (0 means the SDK's default, its docstring says).
    return ChatGoogleGenerativeAI(
        model=GEMINI, api_key=KEY, base_url=_google_base(base), max_retries=1
    )


# -- LlamaIndex: ours, llama-index-llms-openai, -anthropic and -google-genai -------------


def _li_messages() -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role="user", content=PROMPT)]


def _li_sync(llm: Any) -> SyncRun:
    messages = _li_messages()

    def run() -> Result:
        n, first = 0, None
        for _ in llm.stream_chat(messages):
            n += 1
            if first is None:
                first = perf()
        return n, first

    return run


def _li_async(llm: Any) -> AsyncRun:
    messages = _li_messages()

    async def run() -> Result:
        n, first = 0, None
        async for _ in await llm.astream_chat(messages):
            n += 1
            if first is None:
                first = perf()
        return n, first

    return run


def _lemon_li(base: str, api: str, package: str = PACKAGE) -> Any:
    _require(package, api)
    lemon_data = importlib.import_module(package + ".llama_index").LemonData
    return lemon_data(model=MODEL, api=api, api_key=KEY, base_url=base, max_retries=0)


def _openai_li(base: str, api: str) -> Any:
    _only_openai("llama-index-llms-openai", api)
    if api == "responses":
        from llama_index.llms.openai import OpenAIResponses

        return OpenAIResponses(model=MODEL, api_base=base, api_key=KEY, max_retries=0)
    from llama_index.llms.openai import OpenAI

    return OpenAI(model=MODEL, api_base=base, api_key=KEY, max_retries=0)


def _anthropic_li(base: str, api: str) -> Any:
    _only_messages("llama-index-llms-anthropic", api)
    from llama_index.llms.anthropic import Anthropic

    return Anthropic(
        model=CLAUDE,
        base_url=_anthropic_base(base),
        api_key=KEY,
        max_retries=0,
        max_tokens=MAX_TOKENS,
    )


def _google_li(base: str, api: str) -> Any:
    _only_gemini("llama-index-llms-google-genai", api)
    from google.genai import types
    from llama_index.llms.google_genai import GoogleGenAI

    # Built without max_tokens and context_window, GoogleGenAI first GETs the model
    # (``/v1beta/models/{model}``); the bench server answers it.
    return GoogleGenAI(
        model=GEMINI,
        api_key=KEY,
        http_options=types.HttpOptions(base_url=_google_base(base)),
        max_retries=0,
    )
