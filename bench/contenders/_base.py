"""What every contender shares: the APIs, the request, the run types, :class:`Contender`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

#: The wire formats the bench streams: Chat Completions, Responses, Anthropic Messages,
#: Gemini.
APIS = ("chat", "responses", "messages", "gemini")
MODEL = "gpt-4o-mini"  # the OpenAI-based peers validate model names; the server ignores it
#: The model name the Anthropic-based peers get (llama-index's ``Anthropic`` looks it up
#: for its context window, so it must be one that the installed version knows).
CLAUDE = "claude-sonnet-4-5"
#: The model name the Gemini-based peers get (they put it in the URL; the server ignores it).
GEMINI = "gemini-2.5-flash"
KEY = "sk-bench-not-a-real-key"
PROMPT = "Say hello."
PATHS = {"responses": "/responses", "chat": "/chat/completions", "messages": "/messages"}
#: Gemini's route sits beside ``/v1``: ``{host}/v1beta/models/{model}:streamGenerateContent``.
GEMINI_PATH = f"/v1beta/models/{GEMINI}:streamGenerateContent?alt=sse"
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
            Completions and Responses; on Messages and Gemini it is that API's row of
            :data:`PEERS_BY_API` (see :func:`peer_of`).
        factory: ``(base_url, api) -> run``; raises :class:`NotApplicable` for an API the
            contender has no meaning on.
    """

    name: str
    label: str
    group: str
    is_async: bool
    factory: Callable[[str, str], Any]
    peer: str | None = None


def _url(base: str, api: str) -> str:
    """The URL a raw httpx contender posts to, for a scenario's ``base`` (``.../v1``)."""
    if api == "gemini":
        return base.removesuffix("/v1") + GEMINI_PATH
    return base + PATHS[api]


def _floor_body(api: str) -> dict[str, Any]:
    if api == "gemini":
        return {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
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
    if api == "gemini":  # a part with text or a function call (the last chunk's text is "")
        candidates = obj.get("candidates")
        if not candidates:
            return False
        parts = (candidates[0].get("content") or {}).get("parts") or ()
        return any(p.get("text") or "functionCall" in p for p in parts)
    choices = obj.get("choices")
    if not choices:
        return False
    delta = choices[0].get("delta") or {}
    return bool(delta.get("content") or delta.get("tool_calls"))
