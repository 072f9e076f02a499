"""The framework floors (bench/floors.py) as contenders, alone and zipped with the core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from ._base import KEY, MODEL, PROMPT, AsyncRun, Result, SyncRun, perf
from .frameworks import _chat_lemon, _lemon_li, _li_messages
from .ours import MESSAGES

# -- framework floors: the frameworks' own cost for our chunks (bench/floors.py) --------


def _lc_floor(base: str, api: str, is_async: bool) -> Any:
    from ..floors import langchain_floor

    return langchain_floor(_chat_lemon(base, api), PROMPT, is_async)


def _li_floor(base: str, api: str, is_async: bool) -> Any:
    from ..floors import llama_index_floor

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
