"""Normalized stream events: the one vocabulary every wire format is mapped to.

Every event is a frozen, slotted, keyword-only dataclass with a literal ``kind`` so
consumers can ``match`` on it and finish with ``assert_never``. They are cheap to build:
one is made per streamed delta, so nothing here validates or copies.

Order guarantees (checked on every recording by ``tests/invariants.py``):
``ResponseStarted`` first, at most one ``UsageReported``, exactly one ``Finish`` and it is
last. A stream that fails (an in-stream error: the parser's ``failure``, raised by the
clients) has no ``Finish``; its usage, when the failing chunk reports one, still comes as
``UsageReported`` first.
``ToolCallDelta.index`` is 0-based in order of first appearance and stable for a
call; its ``id`` and ``name`` are set on the first delta of that call (or on the first
delta that knows them) and ``None`` afterwards. ``BlockDone`` (Messages API only) comes
after the deltas of the block it completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

#: A wire format: the Responses API, Chat Completions, or Anthropic Messages (LemonData's
#: native route for Claude models, ``/v1/messages``).
Api: TypeAlias = Literal["responses", "chat", "messages"]
#: What a caller may ask for: a wire format, or ``"auto"`` (Responses first, falling back
#: per model to Chat Completions when the gateway rejects the route, and to the native
#: route a Chat Completions answer names in ``X-LemonData-Native-Endpoint``).
ApiChoice: TypeAlias = Literal["responses", "chat", "messages", "auto"]
FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter", "other"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseStarted:
    """The server accepted the request and named the response."""

    id: str | None
    model: str | None
    kind: Literal["response_started"] = "response_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDelta:
    """A piece of the answer text (choice 0 only)."""

    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningDelta:
    """A piece of the model's reasoning (raw reasoning text or its summary)."""

    text: str
    kind: Literal["reasoning"] = "reasoning"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusalDelta:
    """A piece of a refusal message (OpenAI's ``refusal`` channel)."""

    text: str
    kind: Literal["refusal"] = "refusal"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallDelta:
    """A piece of a function call: identity on its first delta, then argument fragments."""

    index: int
    id: str | None
    name: str | None
    arguments: str
    kind: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token counts, normalized across the APIs. Details are ``None`` when not reported.

    ``input_tokens`` counts every input token, whether read from or written to a prompt
    cache (the Messages API reports those apart; they are added in here, as the other APIs
    count them), ``cached_tokens`` those read from the cache, ``cache_creation_tokens``
    those written to it. ``invalid_counts`` names the counts the server sent with the wrong
    type or a negative value: they were dropped, never summed (see ``core.wire``).
    """

    input_tokens: int
    output_tokens: int
    total_tokens: int
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_creation_tokens: int | None = None
    invalid_counts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageReported:
    """Final token usage for the response (reported once, the final value)."""

    usage: Usage
    kind: Literal["usage"] = "usage"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finish:
    """The response ended normally. ``raw_reason`` is what the wire said, if anything."""

    reason: FinishReason
    raw_reason: str | None
    kind: Literal["finish"] = "finish"


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockDone:
    """A finished content block of a Messages API answer, in the API's own shape.

    Its text, reasoning or tool-call arguments already came as deltas; this is the whole
    block as the next request must send it back: a ``thinking`` block with its
    ``signature``, a ``redacted_thinking`` block's opaque ``data``, a ``tool_use`` with its
    ``input``, server tool blocks (``server_tool_use``, ``web_search_tool_result``...) and
    text with its ``citations``. The result keeps them, in order, in ``blocks``.
    """

    index: int
    block: dict[str, Any]
    kind: Literal["block"] = "block"


StreamEvent: TypeAlias = (
    ResponseStarted
    | TextDelta
    | ReasoningDelta
    | RefusalDelta
    | ToolCallDelta
    | UsageReported
    | Finish
    | BlockDone
)
