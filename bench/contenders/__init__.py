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


The modules: :mod:`._base` (what all share), :mod:`.raw` (the httpx floor and ceiling),
:mod:`.ours` (the core client), :mod:`.sdks` (openai, anthropic), :mod:`.frameworks`
(LangChain and LlamaIndex chat models), :mod:`.framework_floors`; this one holds the table.
"""

from __future__ import annotations

import functools

from ._base import APIS, Contender, NotApplicable
from .framework_floors import _lc_floor, _lc_zip, _li_floor, _li_zip
from .frameworks import (
    _anthropic_li,
    _chat_anthropic,
    _chat_google,
    _chat_lemon,
    _chat_openai,
    _google_li,
    _lc_async,
    _lc_sync,
    _lemon_li,
    _li_async,
    _li_sync,
    _openai_li,
)
from .ours import core_async, core_sync, supported_apis, with_json_reader
from .raw import bytes_async, bytes_sync, floor_async, floor_sync
from .sdks import (
    anthropic_async,
    anthropic_sync,
    google_async,
    google_sync,
    openai_async,
    openai_sync,
)

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
    Contender("google", "google-genai SDK generate_content_stream", "peer", False, google_sync),
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
        "lc_google",
        "ChatGoogleGenerativeAI.stream",
        "peer",
        False,
        lambda b, a: _lc_sync(_chat_google(b, a)),
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
        "li_google",
        "llama-index GoogleGenAI.stream_chat",
        "peer",
        False,
        lambda b, a: _li_sync(_google_li(b, a)),
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
        "agoogle", "google-genai SDK aio generate_content_stream", "peer", True, google_async
    ),
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
        "alc_google",
        "ChatGoogleGenerativeAI.astream",
        "peer",
        True,
        lambda b, a: _lc_async(_chat_google(b, a)),
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
        "ali_google",
        "llama-index GoogleGenAI.astream_chat",
        "peer",
        True,
        lambda b, a: _li_async(_google_li(b, a)),
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
#: ... and on Gemini (the google-genai SDK and the two frameworks' Gemini models on it).
PEER_ON_GEMINI = {
    "openai": "google",
    "aopenai": "agoogle",
    "lc_peer": "lc_google",
    "alc_peer": "alc_google",
    "li_peer": "li_google",
    "ali_peer": "ali_google",
}
PEERS_BY_API = {"messages": PEER_ON_MESSAGES, "gemini": PEER_ON_GEMINI}


def peer_of(c: Contender, api: str) -> str | None:
    """The contender ``c`` is compared with on ``api`` (``x peer``), if any."""
    if c.peer is None or api not in PEERS_BY_API:
        return c.peer
    return PEERS_BY_API[api].get(c.peer, c.peer)


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


__all__ = [
    "ADAPTER_FLOORS",
    "APIS",
    "BASELINE_OF",
    "BY_NAME",
    "CONTENDERS",
    "Contender",
    "NotApplicable",
    "baseline_contenders",
    "core_async",
    "peer_of",
    "supported_apis",
]
