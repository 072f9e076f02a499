"""The contenders: ways to stream one response, from the raw floor to the framework peers.

Each contender is a factory ``(base_url, api) -> run`` where ``run()`` (sync) or
``await run()`` (async) streams one whole response and returns ``(chunks, t_first)``:
the number of content chunks the consumer saw and ``time.perf_counter()`` when the first
one arrived. Factories import lazily, so a missing package only disables its contenders
(reported as missing), and objects are built once and reused, as an application would.
A factory raises :class:`NotApplicable` for an API the contender has no meaning on (the
openai SDK on Messages, the anthropic SDK on Chat Completions, a baseline commit that
predates an API): that (contender, API) pair is skipped, the contender still runs on the
others.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

#: The wire formats the bench streams: Chat Completions, Responses, Anthropic Messages.
APIS = ("chat", "responses", "messages")
MODEL = "gpt-4o-mini"  # the OpenAI-based peers validate model names; the server ignores it
#: The model name the Anthropic-based peers get (llama-index's ``Anthropic`` looks it up
#: for its context window, so it must be one that the installed version knows).
CLAUDE = "claude-sonnet-4-5"
KEY = "sk-bench-not-a-real-key"
PROMPT = "Say hello."
PATHS = {"responses": "/responses", "chat": "/chat/completions", "messages": "/messages"}
HEADERS = {"Authorization": f"Bearer {KEY}", "Accept": "text/event-stream"}
#: What the core sends on the Messages route besides the above.
ANTHROPIC_VERSION = "2023-06-01"
MAX_TOKENS = 1024  # required by the Messages API


class NotApplicable(Exception):
    """Raised by a factory for an API the contender has no meaning on; the bench skips
    that (contender, API) pair and does not count the contender as missing."""


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
        peer: the name of the contender this one is compared with (``x peer``) on Chat
            Completions and Responses; on Messages it is :data:`PEER_ON_MESSAGES` of it
            (see :func:`peer_of`).
        factory: ``(base_url, api) -> run``; raises :class:`NotApplicable` for an API the
            contender has no meaning on.
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
    if api == "messages":
        return {
            "model": MODEL,
            "max_tokens": MAX_TOKENS,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": True,
        }
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _headers(api: str) -> dict[str, str]:
    if api == "messages":
        return {**HEADERS, "anthropic-version": ANTHROPIC_VERSION}
    return HEADERS


def _is_content(api: str, obj: dict[str, Any]) -> bool:
    if api == "responses":
        return str(obj.get("type", "")).endswith(".delta")
    if api == "messages":  # text_delta, input_json_delta, thinking_delta
        return obj.get("type") == "content_block_delta"
    choices = obj.get("choices")
    if not choices:
        return False
    delta = choices[0].get("delta") or {}
    return bool(delta.get("content") or delta.get("tool_calls"))


# -- floor and ceiling: raw httpx ------------------------------------------------------


def floor_sync(base: str, api: str) -> SyncRun:
    import httpx

    client = httpx.Client(timeout=60)
    url, body, headers = base + PATHS[api], _floor_body(api), _headers(api)
    loads = json.loads

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=headers) as r:
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
    url, body, headers = base + PATHS[api], _floor_body(api), _headers(api)
    loads = json.loads

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=headers) as r:
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
    url, body, headers = base + PATHS[api], _floor_body(api), _headers(api)

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=headers) as r:
            for chunk in r.iter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first  # negative: a byte count, not chunks (not validated)

    return run


def bytes_async(base: str, api: str) -> AsyncRun:
    import httpx

    client = httpx.AsyncClient(timeout=60)
    url, body, headers = base + PATHS[api], _floor_body(api), _headers(api)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=headers) as r:
            async for chunk in r.aiter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first

    return run


# -- ours: the core client -------------------------------------------------------------


MESSAGES = [{"role": "user", "content": PROMPT}]
#: The package our contenders import (``--baseline`` adds contenders that import the
#: baseline commit's copy of it, see :func:`baseline_contenders`).
PACKAGE = "lemon_adapters"
_API_LITERAL = re.compile(r"^Api(?:\s*:\s*TypeAlias)?\s*=\s*Literal\[([^\]]*)\]", re.M)


@functools.cache
def supported_apis(package: str) -> frozenset[str]:
    """The wire formats ``package``'s core streams, read from its ``Api = Literal[...]``
    definitions (without importing it), so a baseline commit that predates an API is never
    asked for it: an older client would take an unknown ``api`` for another one."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {package!r}")
    names: set[str] = set()
    for root in spec.submodule_search_locations:
        for path in sorted(Path(root).rglob("*.py")):
            for match in _API_LITERAL.finditer(path.read_text(encoding="utf-8")):
                names.update(re.findall(r"[\"'](\w+)[\"']", match[1]))
    return frozenset(names & set(APIS))


def _require(package: str, api: str) -> None:
    if api not in supported_apis(package):
        raise NotApplicable(f"{package} has no api={api!r}")


def core_sync(base: str, api: str, package: str = PACKAGE, **kwargs: Any) -> SyncRun:
    _require(package, api)
    pkg = importlib.import_module(package)
    text_delta, tool_call_delta = pkg.TextDelta, pkg.ToolCallDelta
    client = pkg.LemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    def run() -> Result:
        n, first = 0, None
        with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:
            for event in stream:
                if type(event) is text_delta or type(event) is tool_call_delta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


def core_async(base: str, api: str, package: str = PACKAGE, **kwargs: Any) -> AsyncRun:
    _require(package, api)
    pkg = importlib.import_module(package)
    text_delta, tool_call_delta = pkg.TextDelta, pkg.ToolCallDelta
    client = pkg.AsyncLemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:
            async for event in stream:
                if type(event) is text_delta or type(event) is tool_call_delta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


class JsonReader:
    """Switches the core's JSON reader (``json_reader.json_decoder``) to ``name`` while a run holds
    it and restores the previous one after, also when the run fails. Overlapping runs (the
    concurrency section gathers many) share the switch: the first in switches, the last out
    restores."""

    def __init__(self, name: str) -> None:
        from lemon_adapters.core.wire import json_reader

        if name not in json_reader.JSON_DECODERS:
            raise ModuleNotFoundError(f"JSON reader {name!r} is not available")
        self.name = name
        self.holders = 0
        self.previous = name
        self._reader = json_reader

    def __enter__(self) -> None:
        if self.holders == 0:
            self.previous = self._reader.json_decoder()
            self._reader.json_decoder(self.name)
        self.holders += 1

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.holders -= 1
        if self.holders == 0:
            self._reader.json_decoder(self.previous)


@functools.cache
def json_reader(name: str) -> JsonReader:
    """The one switch per reader name (so concurrent runs share it)."""
    return JsonReader(name)


def with_json_reader(name: str, factory: Callable[[str, str], Any], is_async: bool) -> Any:
    """``factory`` whose runs each stream with the core's JSON reader set to ``name``."""

    def make(base: str, api: str) -> Any:
        reader = json_reader(name)
        run = factory(base, api)
        if is_async:

            async def arun() -> Result:
                with reader:
                    return await run()  # type: ignore[no-any-return]

            return arun

        def srun() -> Result:
            with reader:
                return run()  # type: ignore[no-any-return]

        return srun

    return make


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
    _not_on_messages("langchain-openai", api)
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


# -- LlamaIndex: ours, llama-index-llms-openai and llama-index-llms-anthropic ------------


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
    _not_on_messages("llama-index-llms-openai", api)
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
    Contender(
        "core_std",
        "lemon_adapters LemonDataClient.stream, stdlib JSON",
        "ours",
        False,
        with_json_reader("stdlib", core_sync, False),
        peer="openai",
    ),
    Contender("openai", "openai SDK stream", "peer", False, openai_sync),
    Contender("anthropic", "anthropic SDK stream", "peer", False, anthropic_sync),
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
        "lc_anthropic",
        "ChatAnthropic.stream",
        "peer",
        False,
        lambda b, a: _lc_sync(_chat_anthropic(b, a)),
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
        "li_anthropic",
        "llama-index Anthropic.stream_chat",
        "peer",
        False,
        lambda b, a: _li_sync(_anthropic_li(b, a)),
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
    Contender(
        "acore_std",
        "lemon_adapters AsyncLemonDataClient.stream, stdlib JSON",
        "ours",
        True,
        with_json_reader("stdlib", core_async, True),
        peer="aopenai",
    ),
    Contender("aopenai", "openai SDK async stream", "peer", True, openai_async),
    Contender("aanthropic", "anthropic SDK async stream", "peer", True, anthropic_async),
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
        "alc_anthropic",
        "ChatAnthropic.astream",
        "peer",
        True,
        lambda b, a: _lc_async(_chat_anthropic(b, a)),
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
        "ali_anthropic",
        "llama-index Anthropic.astream_chat",
        "peer",
        True,
        lambda b, a: _li_async(_anthropic_li(b, a)),
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

#: A peer on Chat Completions and Responses -> the peer of the same contender on Messages.
PEER_ON_MESSAGES = {
    "openai": "anthropic",
    "aopenai": "aanthropic",
    "lc_peer": "lc_anthropic",
    "alc_peer": "alc_anthropic",
    "li_peer": "li_anthropic",
    "ali_peer": "ali_anthropic",
}


def peer_of(c: Contender, api: str) -> str | None:
    """The contender ``c`` is compared with on ``api`` (``x peer``), if any."""
    if c.peer is None or api != "messages":
        return c.peer
    return PEER_ON_MESSAGES.get(c.peer, c.peer)


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

# -- before/after in one run (``--baseline REF``, bench/baseline.py) ---------------------

#: Each of ours -> the same contender on the baseline commit's package. ``core_std`` and
#: ``acore_std`` are compared with the baseline's core under its own default JSON reader
#: (the standard library for a commit that predates the fast extra).
BASELINE_OF = {
    "core": "core@base",
    "core_std": "core@base",
    "acore": "acore@base",
    "acore_std": "acore@base",
    "lc": "lc@base",
    "alc": "alc@base",
    "li": "li@base",
    "ali": "ali@base",
}


def baseline_contenders(package: str, ref: str) -> list[Contender]:
    """``core@base`` ... ``ali@base``: our contenders' factories on ``package`` (the
    baseline commit's ``lemon_adapters`` under another name); an API the baseline does not
    know is not applicable (:func:`supported_apis`)."""
    before = f"before ({ref})"
    return [
        Contender(
            "core@base",
            f"LemonDataClient.stream {before}",
            "baseline",
            False,
            functools.partial(core_sync, package=package),
        ),
        Contender(
            "lc@base",
            f"ChatLemonData.stream {before}",
            "baseline",
            False,
            lambda b, a: _lc_sync(_chat_lemon(b, a, package)),
        ),
        Contender(
            "li@base",
            f"LemonData.stream_chat {before}",
            "baseline",
            False,
            lambda b, a: _li_sync(_lemon_li(b, a, package)),
        ),
        Contender(
            "acore@base",
            f"AsyncLemonDataClient.stream {before}",
            "baseline",
            True,
            functools.partial(core_async, package=package),
        ),
        Contender(
            "alc@base",
            f"ChatLemonData.astream {before}",
            "baseline",
            True,
            lambda b, a: _lc_async(_chat_lemon(b, a, package)),
        ),
        Contender(
            "ali@base",
            f"LemonData.astream_chat {before}",
            "baseline",
            True,
            lambda b, a: _li_async(_lemon_li(b, a, package)),
        ),
    ]
