"""The contenders: ways to stream one response, from the raw floor to the framework peers.

Each contender is a factory ``(base_url, api) -> run`` where ``run()`` (sync) or
``await run()`` (async) streams one whole response and returns ``(chunks, t_first)``:
the number of content chunks the consumer saw and ``time.perf_counter()`` when the first
one arrived. Factories import lazily, so a missing package only disables its contenders
(reported as missing), and objects are built once and reused, as an application would.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

MODEL = "gpt-4o-mini"  # the peers validate model names; the server ignores it
KEY = "sk-bench-not-a-real-key"
PROMPT = "Say hello."
PATHS = {"responses": "/responses", "chat": "/chat/completions"}
HEADERS = {"Authorization": f"Bearer {KEY}", "Accept": "text/event-stream"}

Result = tuple[int, float | None]
SyncRun = Callable[[], Result]
AsyncRun = Callable[[], Awaitable[Result]]
perf = time.perf_counter


@dataclass(frozen=True)
class Contender:
    """One way of streaming.

    Attributes:
        name: short id used on the command line and in tables.
        label: what it is, for people.
        group: ``floor`` (raw httpx), ``ours``, ``peer`` or ``framework`` (the framework
            floors of :mod:`bench.floors`: no network, so not in the TTFT, concurrency and
            reuse sections).
        is_async: whether ``run`` is a coroutine function.
        peer: the name of the contender this one is compared with (``x peer``).
        factory: ``(base_url, api) -> run``.
    """

    name: str
    label: str
    group: str
    is_async: bool
    factory: Callable[[str, str], Any]
    peer: str | None = None


def _floor_body(api: str) -> dict[str, Any]:
    if api == "responses":
        return {"model": MODEL, "input": PROMPT, "stream": True}
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _is_content(api: str, obj: dict[str, Any]) -> bool:
    if api == "responses":
        return str(obj.get("type", "")).endswith(".delta")
    choices = obj.get("choices")
    if not choices:
        return False
    delta = choices[0].get("delta") or {}
    return bool(delta.get("content") or delta.get("tool_calls"))


# -- floor and ceiling: raw httpx ------------------------------------------------------


def floor_sync(base: str, api: str) -> SyncRun:
    import httpx

    client = httpx.Client(timeout=60)
    url, body = base + PATHS[api], _floor_body(api)
    loads = json.loads

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=HEADERS) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    if _is_content(api, loads(data)):
                        n += 1
                        if first is None:
                            first = perf()
        return n, first

    return run


def floor_async(base: str, api: str) -> AsyncRun:
    import httpx

    client = httpx.AsyncClient(timeout=60)
    url, body = base + PATHS[api], _floor_body(api)
    loads = json.loads

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=HEADERS) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    if _is_content(api, loads(data)):
                        n += 1
                        if first is None:
                            first = perf()
        return n, first

    return run


def bytes_sync(base: str, api: str) -> SyncRun:
    """The ceiling: bytes through httpx, nothing parsed (chunks = bytes read)."""
    import httpx

    client = httpx.Client(timeout=60)
    url, body = base + PATHS[api], _floor_body(api)

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=HEADERS) as r:
            for chunk in r.iter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first  # negative: a byte count, not chunks (not validated)

    return run


def bytes_async(base: str, api: str) -> AsyncRun:
    import httpx

    client = httpx.AsyncClient(timeout=60)
    url, body = base + PATHS[api], _floor_body(api)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=HEADERS) as r:
            async for chunk in r.aiter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first

    return run


# -- ours: the core client -------------------------------------------------------------


MESSAGES = [{"role": "user", "content": PROMPT}]


def core_sync(base: str, api: str, **kwargs: Any) -> SyncRun:
    from lemon_adapters import LemonDataClient, TextDelta, ToolCallDelta

    client = LemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    def run() -> Result:
        n, first = 0, None
        with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:  # type: ignore[arg-type]
            for event in stream:
                if type(event) is TextDelta or type(event) is ToolCallDelta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


def core_async(base: str, api: str, **kwargs: Any) -> AsyncRun:
    from lemon_adapters import AsyncLemonDataClient, TextDelta, ToolCallDelta

    client = AsyncLemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:  # type: ignore[arg-type]
            async for event in stream:
                if type(event) is TextDelta or type(event) is ToolCallDelta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


# -- the openai SDK (what the peers are built on) --------------------------------------


def openai_sync(base: str, api: str) -> SyncRun:
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


# -- LangChain: ours and langchain-openai ----------------------------------------------


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


def _chat_lemon(base: str, api: str) -> Any:
    from lemon_adapters.langchain import ChatLemonData

    return ChatLemonData(model=MODEL, api=api, api_key=KEY, base_url=base, max_retries=0)


def _chat_openai(base: str, api: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        base_url=base,
        api_key=KEY,
        max_retries=0,  # type: ignore[arg-type]
        use_responses_api=api == "responses",
        stream_usage=True,
    )


# -- LlamaIndex: ours and llama-index-llms-openai --------------------------------------


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


def _lemon_li(base: str, api: str) -> Any:
    from lemon_adapters.llama_index import LemonData

    return LemonData(model=MODEL, api=api, api_key=KEY, base_url=base, max_retries=0)


def _openai_li(base: str, api: str) -> Any:
    if api == "responses":
        from llama_index.llms.openai import OpenAIResponses

        return OpenAIResponses(model=MODEL, api_base=base, api_key=KEY, max_retries=0)
    from llama_index.llms.openai import OpenAI

    return OpenAI(model=MODEL, api_base=base, api_key=KEY, max_retries=0)


# -- framework floors: the frameworks' own cost for our chunks (bench/floors.py) --------


def _lc_floor(base: str, api: str, is_async: bool) -> Any:
    from .floors import langchain_floor

    return langchain_floor(_chat_lemon(base, api), PROMPT, is_async)


def _li_floor(base: str, api: str, is_async: bool) -> Any:
    from .floors import llama_index_floor

    return llama_index_floor(_lemon_li(base, api), _li_messages(), is_async)


# The core's stream and a framework floor's stream zipped: one floor chunk pulled per
# content event. Both costs are paid interleaved, as inside an adapter, with nothing mapping
# one to the other, so ``ours / zip`` is what the adapter's own code adds (the sum of the
# two measured apart is lower: each runs with the CPU's caches to itself).


def _zip_sync(base: str, api: str, chunks: Callable[[], Iterator[Any]]) -> SyncRun:
    from lemon_adapters import LemonDataClient, TextDelta, ToolCallDelta

    client = LemonDataClient(api_key=KEY, base_url=base, max_retries=0)

    def run() -> Result:
        n, first = 0, None
        floor = chunks()
        with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:  # type: ignore[arg-type]
            for event in stream:
                if type(event) is TextDelta or type(event) is ToolCallDelta:
                    next(floor, None)
                    n += 1
                    if first is None:
                        first = perf()
        for _ in floor:
            pass
        return n, first

    return run


def _zip_async(
    base: str, api: str, chunks: Callable[[], Awaitable[AsyncIterator[Any]]]
) -> AsyncRun:
    from lemon_adapters import AsyncLemonDataClient, TextDelta, ToolCallDelta

    client = AsyncLemonDataClient(api_key=KEY, base_url=base, max_retries=0)

    async def run() -> Result:
        n, first = 0, None
        floor = await chunks()
        async with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:  # type: ignore[arg-type]
            async for event in stream:
                if type(event) is TextDelta or type(event) is ToolCallDelta:
                    await anext(floor, None)
                    n += 1
                    if first is None:
                        first = perf()
        async for _ in floor:
            pass
        return n, first

    return run


def _lc_zip(base: str, api: str, is_async: bool) -> Any:
    llm = _lc_floor(base, api, is_async)
    if not is_async:
        return _zip_sync(base, api, lambda: iter(llm.stream(PROMPT)))

    async def chunks() -> AsyncIterator[Any]:
        return aiter(llm.astream(PROMPT))

    return _zip_async(base, api, chunks)


def _li_zip(base: str, api: str, is_async: bool) -> Any:
    llm, messages = _li_floor(base, api, is_async), _li_messages()
    if not is_async:
        return _zip_sync(base, api, lambda: iter(llm.stream_chat(messages)))
    return _zip_async(base, api, lambda: llm.astream_chat(messages))


CONTENDERS: list[Contender] = [
    Contender("bytes", "httpx iter_bytes (server ceiling)", "floor", False, bytes_sync),
    Contender("floor", "httpx iter_lines + json.loads", "floor", False, floor_sync),
    Contender(
        "core", "lemon_adapters LemonDataClient.stream", "ours", False, core_sync, peer="openai"
    ),
    Contender("openai", "openai SDK stream", "peer", False, openai_sync),
    Contender(
        "lc",
        "ChatLemonData.stream",
        "ours",
        False,
        lambda b, a: _lc_sync(_chat_lemon(b, a)),
        peer="lc_peer",
    ),
    Contender(
        "lc_peer", "ChatOpenAI.stream", "peer", False, lambda b, a: _lc_sync(_chat_openai(b, a))
    ),
    Contender(
        "li",
        "LemonData.stream_chat",
        "ours",
        False,
        lambda b, a: _li_sync(_lemon_li(b, a)),
        peer="li_peer",
    ),
    Contender(
        "li_peer",
        "llama-index OpenAI(Responses).stream_chat",
        "peer",
        False,
        lambda b, a: _li_sync(_openai_li(b, a)),
    ),
    Contender(
        "lc_fw",
        "LangChain floor: BaseChatModel.stream of ChatLemonData's chunks",
        "framework",
        False,
        lambda b, a: _lc_sync(_lc_floor(b, a, False)),
    ),
    Contender(
        "li_fw",
        "LlamaIndex floor: CustomLLM.stream_chat of LemonData's chunks",
        "framework",
        False,
        lambda b, a: _li_sync(_li_floor(b, a, False)),
    ),
    Contender(
        "lc_zip",
        "core ∥ LangChain floor (stream), zipped per chunk",
        "framework",
        False,
        lambda b, a: _lc_zip(b, a, False),
    ),
    Contender(
        "li_zip",
        "core ∥ LlamaIndex floor (stream_chat), zipped per chunk",
        "framework",
        False,
        lambda b, a: _li_zip(b, a, False),
    ),
    Contender("abytes", "httpx aiter_bytes (server ceiling)", "floor", True, bytes_async),
    Contender("afloor", "httpx aiter_lines + json.loads", "floor", True, floor_async),
    Contender(
        "acore",
        "lemon_adapters AsyncLemonDataClient.stream",
        "ours",
        True,
        core_async,
        peer="aopenai",
    ),
    Contender("aopenai", "openai SDK async stream", "peer", True, openai_async),
    Contender(
        "alc",
        "ChatLemonData.astream",
        "ours",
        True,
        lambda b, a: _lc_async(_chat_lemon(b, a)),
        peer="alc_peer",
    ),
    Contender(
        "alc_peer", "ChatOpenAI.astream", "peer", True, lambda b, a: _lc_async(_chat_openai(b, a))
    ),
    Contender(
        "ali",
        "LemonData.astream_chat",
        "ours",
        True,
        lambda b, a: _li_async(_lemon_li(b, a)),
        peer="ali_peer",
    ),
    Contender(
        "ali_peer",
        "llama-index OpenAI(Responses).astream_chat",
        "peer",
        True,
        lambda b, a: _li_async(_openai_li(b, a)),
    ),
    Contender(
        "alc_fw",
        "LangChain floor: BaseChatModel.astream of ChatLemonData's chunks",
        "framework",
        True,
        lambda b, a: _lc_async(_lc_floor(b, a, True)),
    ),
    Contender(
        "ali_fw",
        "LlamaIndex floor: CustomLLM.astream_chat of LemonData's chunks",
        "framework",
        True,
        lambda b, a: _li_async(_li_floor(b, a, True)),
    ),
    Contender(
        "alc_zip",
        "async core ∥ LangChain floor (astream), zipped per chunk",
        "framework",
        True,
        lambda b, a: _lc_zip(b, a, True),
    ),
    Contender(
        "ali_zip",
        "async core ∥ LlamaIndex floor (astream_chat), zipped per chunk",
        "framework",
        True,
        lambda b, a: _li_zip(b, a, True),
    ),
]
BY_NAME = {c.name: c for c in CONTENDERS}


def floor_of(c: Contender) -> str:
    """The floor contender to compare ``c`` with (same sync/async flavour)."""
    return "afloor" if c.is_async else "floor"


#: Each adapter contender -> (the core of the same flavour, its framework floor, the two
#: zipped).
ADAPTER_FLOORS = {
    "lc": ("core", "lc_fw", "lc_zip"),
    "alc": ("acore", "alc_fw", "alc_zip"),
    "li": ("core", "li_fw", "li_zip"),
    "ali": ("acore", "ali_fw", "ali_zip"),
}
