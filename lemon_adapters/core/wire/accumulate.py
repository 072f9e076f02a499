"""Normalized events -> the final result, in linear time (pure).

Text pieces are kept in lists and joined when read, and a joined value is cached until the
next piece arrives, so reading ``result.text`` after every delta stays linear overall in the
common pattern of reading after a few deltas, and costs nothing on the hot path.

Streamed pieces are joined every :data:`~lemon_adapters.core.wire.pieces.BLOCK` pieces into
one block as they arrive (see :mod:`lemon_adapters.core.wire.pieces`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lemon_adapters.core.events import (
    Api,
    BlockDone,
    Citation,
    Finish,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)
from lemon_adapters.core.wire.nesting import depth_error, too_deep
from lemon_adapters.core.wire.pieces import BLOCK, compact


@dataclass(slots=True, kw_only=True)
class ToolCall:
    """One function call the model made.

    Attributes:
        index: position among this response's calls (0-based, order of appearance).
        id: the call id to answer with a tool result (``call_id`` on the Responses API).
        name: the function name.
        arguments: the raw JSON text of the arguments, exactly as streamed.
        args: the parsed arguments, or ``None`` if ``arguments`` is not a JSON object.
        error: why ``arguments`` could not be parsed, or ``None``.
    """

    index: int
    id: str | None
    name: str | None
    arguments: str
    args: dict[str, Any] | None
    error: str | None = None


@dataclass(slots=True, kw_only=True)
class StreamResult:
    """Everything a response produced, accumulated from its events.

    ``blocks`` (Messages and Gemini APIs) holds the answer's content blocks (Gemini: parts)
    in order, in the API's own shape, as the next turn sends them back (thinking blocks
    with their signatures; Gemini parts with their ``thoughtSignature``).
    Besides what the stream carried, the facts LemonData's response headers state:
    ``request_id`` (``X-Request-Id``), ``cache_status`` (``X-Cache-Status``), the upstream
    prompt-cache token counts (``X-Upstream-Cache-Read`` / ``-Write``), and for a model with
    a native route, that route (``X-LemonData-Native-Endpoint``, e.g. ``/v1/messages``) and
    the gateway's words about it (``X-LemonData-Hint``).

    ``finished_blocks`` holds the same blocks as typed ``BlockDone`` events (their type,
    signature, redacted data), for consumers that must not read the wire's dicts.
    What the provider ran and cited besides the answer, on every API: ``server_tool_calls``
    and ``server_tool_results`` (web search, code execution, MCP... in order), and
    ``citations`` (the sources the answer text cites, with offsets into ``text``).
    """

    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    response_id: str | None = None
    model: str | None = None
    api: Api | None = None
    cache_status: str | None = None
    request_id: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    upstream_cache_read: int | None = None
    upstream_cache_write: int | None = None
    native_endpoint: str | None = None
    native_hint: str | None = None
    finished_blocks: list[BlockDone] = field(default_factory=list)
    server_tool_calls: list[ServerToolCall] = field(default_factory=list)
    server_tool_results: list[ServerToolResult] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """The response reached a normal finish."""
        return self.finish_reason is not None

    @property
    def refused(self) -> bool:
        """The model declined to answer: a refusal message (OpenAI's ``refusal`` channel,
        Chat Completions and Responses) or a Messages ``stop_reason: refusal``."""
        return bool(self.refusal) or self.raw_finish_reason == "refusal"


#: The StreamResult fields that come from the response headers, not from the stream.
TRANSPORT_FIELDS = (
    "request_id",
    "cache_status",
    "upstream_cache_read",
    "upstream_cache_write",
    "native_endpoint",
    "native_hint",
)


class _ToolCallParts:
    __slots__ = ("blocks", "id", "name", "parts")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: str | None = None
        self.parts: list[str] = []
        self.blocks: list[str] = []


class Accumulator:
    """Folds events into a :class:`StreamResult`. ``add`` is called once per event."""

    __slots__ = (
        "_cache",
        "_calls",
        "_meta",
        "_reasoning",
        "_reasoning_blocks",
        "_refusal",
        "_text",
        "_text_blocks",
        "output_received",
    )

    def __init__(self, *, api: Api | None = None) -> None:
        self._text: list[str] = []
        self._text_blocks: list[str] = []
        self._reasoning: list[str] = []
        self._reasoning_blocks: list[str] = []
        self._refusal: list[str] = []
        self._calls: list[_ToolCallParts] = []
        self._meta = StreamResult(api=api)
        self._cache: StreamResult | None = None
        #: Any text, reasoning, refusal or tool-call delta has been folded in.
        self.output_received = False

    def add(self, event: StreamEvent) -> None:
        """Fold one event in."""
        self._cache = None
        if type(event) is TextDelta:
            text = self._text
            text.append(event.text)
            if len(text) == BLOCK:
                compact(self._text_blocks, text)
            self.output_received = True
        elif type(event) is ToolCallDelta:
            calls = self._calls
            if event.index < len(calls) and event.id is None and event.name is None:
                if event.arguments:  # a fragment of a known call: the per-token case
                    call = calls[event.index]
                    parts = call.parts
                    parts.append(event.arguments)
                    if len(parts) == BLOCK:
                        compact(call.blocks, parts)
            else:
                self._tool_call(event)
            self.output_received = True
        elif type(event) is ReasoningDelta:
            reasoning = self._reasoning
            reasoning.append(event.text)
            if len(reasoning) == BLOCK:
                compact(self._reasoning_blocks, reasoning)
            self.output_received = True
        elif type(event) is RefusalDelta:
            self._refusal.append(event.text)
            self.output_received = True
        elif isinstance(event, ResponseStarted):
            self._meta.response_id = event.id or self._meta.response_id
            self._meta.model = event.model or self._meta.model
        elif isinstance(event, UsageReported):
            self._meta.usage = event.usage
        elif isinstance(event, Finish):
            self._meta.finish_reason = event.reason
            self._meta.raw_finish_reason = event.raw_reason
        elif isinstance(event, BlockDone):
            if event.text_span is not None:  # the block's text, from the one text kept
                start, end = event.text_span
                event.block["text"] = _read(self._text_blocks, self._text)[start:end]
            self._meta.blocks.append(event.block)
            self._meta.finished_blocks.append(event)
        elif isinstance(event, Citation):
            self._meta.citations.append(event)
        elif isinstance(event, ServerToolCall):
            self._meta.server_tool_calls.append(event)
        elif isinstance(event, ServerToolResult):
            self._meta.server_tool_results.append(event)

    def _tool_call(self, event: ToolCallDelta) -> None:
        calls = self._calls
        while len(calls) <= event.index:
            calls.append(_ToolCallParts())
        call = calls[event.index]
        if event.id is not None:
            call.id = event.id
        if event.name is not None:
            call.name = event.name
        if event.arguments:
            parts = call.parts
            parts.append(event.arguments)
            if len(parts) == BLOCK:
                compact(call.blocks, parts)

    def fill_identity(self, response_id: str | None, model: str | None) -> None:
        """Set the response id and model if no ``ResponseStarted`` carried them."""
        meta = self._meta
        if (meta.response_id is None and response_id) or (meta.model is None and model):
            self._cache = None
            meta.response_id = meta.response_id or response_id
            meta.model = meta.model or model

    def set_transport(self, facts: Mapping[str, Any]) -> None:
        """Record facts from the HTTP response headers (:data:`TRANSPORT_FIELDS`)."""
        self._cache = None
        for name in TRANSPORT_FIELDS:
            setattr(self._meta, name, facts.get(name))

    @property
    def result(self) -> StreamResult:
        """The result so far (a fresh object; cached until the next event)."""
        if self._cache is None:
            meta = self._meta
            self._cache = StreamResult(
                text=_read(self._text_blocks, self._text),
                reasoning=_read(self._reasoning_blocks, self._reasoning),
                refusal=_join(self._refusal),
                tool_calls=[_finish_call(i, c) for i, c in enumerate(self._calls)],
                usage=meta.usage,
                finish_reason=meta.finish_reason,
                raw_finish_reason=meta.raw_finish_reason,
                response_id=meta.response_id,
                model=meta.model,
                api=meta.api,
                cache_status=meta.cache_status,
                request_id=meta.request_id,
                blocks=list(meta.blocks),
                upstream_cache_read=meta.upstream_cache_read,
                upstream_cache_write=meta.upstream_cache_write,
                native_endpoint=meta.native_endpoint,
                native_hint=meta.native_hint,
                finished_blocks=list(meta.finished_blocks),
                server_tool_calls=list(meta.server_tool_calls),
                server_tool_results=list(meta.server_tool_results),
                citations=list(meta.citations),
            )
        return self._cache


def _read(blocks: list[str], parts: list[str]) -> str:
    """The whole text of ``blocks`` then ``parts``; leaves it as one cached block."""
    if parts:
        compact(blocks, parts)
    return _join(blocks)


def _join(parts: list[str]) -> str:
    if len(parts) > 1:
        joined = "".join(parts)
        parts[:] = [joined]  # later reads and joins start from one piece
        return joined
    return parts[0] if parts else ""


def _finish_call(index: int, call: _ToolCallParts) -> ToolCall:
    arguments = _read(call.blocks, call.parts)
    args, error = parse_arguments(arguments)
    return ToolCall(
        index=index, id=call.id, name=call.name, arguments=arguments, args=args, error=error
    )


def parse_arguments(arguments: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a call's argument JSON: ``(args, None)`` or ``(None, why not)``. Never raises."""
    if not arguments.strip():
        return {}, None
    if too_deep(arguments):
        return None, depth_error("the argument text")
    try:
        value = json.loads(arguments)
    except (ValueError, RecursionError) as exc:
        return None, f"arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"arguments are JSON but not an object: {type(value).__name__}"
    return value, None
