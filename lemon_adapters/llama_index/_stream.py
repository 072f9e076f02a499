"""Normalized events -> LlamaIndex's ``ChatResponse`` objects (pure).

:class:`ChatStream` folds events into the *cumulative* ``ChatResponse`` chunks LlamaIndex
consumers expect from a stream; :func:`response_from_result` makes the one response of a
whole answer. Besides text, reasoning and client tool calls: signed thinking blocks (from
the typed ``BlockDone``), the server tools the provider ran
(``additional_kwargs["built_in_tool_calls"]``), citations (``CitationBlock``) and usage as
billed. No wire format is seen here, and the last chunk is built from the finish event.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CitationBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from typing_extensions import assert_never

from lemon_adapters.core.wire.accumulate import TRANSPORT_FIELDS, StreamResult

from ..core.events import (
    THINKING_BLOCKS,
    BlockDone,
    Citation,
    Finish,
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

# -- incoming ---------------------------------------------------------------------------


def usage_dict(usage: Usage | None) -> dict[str, Any] | None:
    """Usage in the keys ``TokenCountingHandler`` and OpenAI-minded code read, with the
    prompt cache's reads (``cached_tokens``) and writes (``cache_creation_tokens``), and
    usage as billed: ``iterations`` and, by model, ``other_models`` (never summed in)."""
    if usage is None:
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_creation_tokens": usage.cache_creation_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    if usage.iterations:
        out["iterations"] = [
            {"type": i.type, "model": i.model, **(usage_dict(i.usage) or {})}
            for i in usage.iterations
        ]
    if usage.other_models:
        out["other_models"] = {name: usage_dict(u) for name, u in usage.other_models.items()}
    return out


def _token_counts(usage: Usage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


class _Extras:
    """What an answer carries besides text, reasoning and client calls: its finished
    thinking blocks (typed), the server tools' calls and results, its citations."""

    __slots__ = ("blocks", "citations", "gemini", "results", "server_calls")

    def __init__(self) -> None:
        self.gemini = False  # a Gemini answer: its blocks are parts, all sent back
        self.blocks: list[BlockDone] = []
        self.server_calls: list[ServerToolCall] = []
        self.results: list[ServerToolResult] = []
        self.citations: list[Citation] = []

    @classmethod
    def of(cls, result: StreamResult) -> _Extras:
        extras = cls()
        extras.gemini = result.api == "gemini"
        extras.blocks = list(result.finished_blocks)
        extras.server_calls = list(result.server_tool_calls)
        extras.results = list(result.server_tool_results)
        extras.citations = list(result.citations)
        return extras

    @property
    def any(self) -> bool:
        """Anything besides thinking blocks (the per-token fast path has none)."""
        return bool(self.server_calls or self.results or self.citations)


def _message(
    text: str,
    reasoning: str,
    calls: list[list[Any]],
    reasoning_tokens: int | None = None,
    extras: _Extras | None = None,
    *,
    final: bool = False,
) -> ChatMessage:
    # Plain constructors on purpose: pydantic's Rust validation of these small models is
    # faster than ``model_construct``'s Python loop (about 8 us against 29 us a chunk).
    blocks: list[Any] = []
    thinking = (
        [b for b in extras.blocks if b.type in THINKING_BLOCKS]
        if extras is not None and extras.blocks and not extras.gemini
        else []  # most chunks: no finished block yet, no comprehension run per chunk
    )
    if thinking:  # the Messages API's signed blocks, one ThinkingBlock each, for replay
        blocks.extend(_thinking_block(b, reasoning_tokens) for b in thinking)
    elif reasoning:
        blocks.append(ThinkingBlock(content=reasoning, num_tokens=reasoning_tokens))
    blocks.append(TextBlock(text=text))
    kwargs: dict[str, Any] = {}
    if extras is not None:
        if extras.any:
            blocks.extend(_citation_block(c, text) for c in extras.citations)
            if extras.server_calls or extras.results:
                kwargs["built_in_tool_calls"] = built_in_tool_calls(extras)
        if final:
            _replayed_blocks(extras, kwargs)
    if calls:
        blocks.extend(
            ToolCallBlock(tool_call_id=c[0], tool_name=c[1] or "", tool_kwargs=c[2]) for c in calls
        )
        kwargs["tool_calls"] = [
            {"id": c[0], "type": "function", "function": {"name": c[1] or "", "arguments": c[2]}}
            for c in calls
        ]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs)


def _replayed_blocks(extras: _Extras, kwargs: dict[str, Any]) -> None:
    """The last chunk's wire blocks to send back on the next turn, if the answer has any."""
    if extras.gemini:
        if extras.blocks:
            # A Gemini answer's every part, its thoughtSignatures on the parts they came
            # on, as Gemini 3 requires back on the next turn of a tool loop.
            kwargs["gemini_parts"] = [b.block for b in extras.blocks]
    elif any(b.type in _SERVER_BLOCKS for b in extras.blocks):
        kwargs["blocks"] = [b.block for b in extras.blocks]  # replayed verbatim


_SERVER_BLOCKS = ("server_tool_call", "server_tool_result")


def built_in_tool_calls(extras: _Extras) -> list[dict[str, Any]]:
    """The tools the provider ran, each with its result, where llama-index's
    ``OpenAIResponses`` keeps built-in calls (``additional_kwargs["built_in_tool_calls"]``)."""
    out: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for call in extras.server_calls:
        entry: dict[str, Any] = {
            "id": call.id,
            "type": call.provider_type,
            "name": call.name,
            "arguments": call.arguments,
            "server": call.server,
            "status": None,
            "output": None,
        }
        out.append(entry)
        if call.id:
            by_id[call.id] = entry
    for result in extras.results:
        found = by_id.get(result.call_id or "")
        if found is None:  # the result of an earlier turn's call (a paused turn resumed)
            found = {"id": result.call_id, "type": result.provider_type, "name": result.name}
            out.append(found)
        found.update(status=result.status, output=result.output, result_type=result.provider_type)
    return out


def _citation_block(citation: Citation, text: str) -> CitationBlock:
    """A source the answer cites, as LlamaIndex's ``CitationBlock``: the quoted source text
    (or, without one, the answer text it supports), its URL and title, and where the
    cited span is in the answer text (``start`` / ``end``) when the wire says."""
    location = {
        k: v for k, v in (("start", citation.start), ("end", citation.end)) if v is not None
    }
    cited = citation.cited_text
    if cited is None and citation.start is not None and citation.end is not None:
        cited = text[citation.start : citation.end]
    return CitationBlock(
        cited_content=TextBlock(text=cited or ""),
        source=citation.url or "",
        title=citation.title or "",
        additional_location_info=location,
    )


def _thinking_block(block: BlockDone, tokens: int | None) -> ThinkingBlock:
    """A finished thinking block as LlamaIndex's ``ThinkingBlock``: the signature (or a
    redacted block's opaque data) in ``additional_information``, as llama-index's own
    Anthropic integration keeps it. The text is the block's own (each block apart)."""
    if block.type == "redacted_thinking":
        info = {"type": "redacted_thinking", "data": block.data}
        return ThinkingBlock(content=None, additional_information=info)
    return ThinkingBlock(
        content=block.thinking,
        num_tokens=tokens,
        additional_information={"signature": block.signature},
    )


def raw_of(result: StreamResult) -> dict[str, Any]:
    """``ChatResponse.raw`` for a finished (or failed) result: identity, usage, finish, and
    what the response headers stated (request id, cache status, native route...)."""
    return {
        "id": result.response_id,
        "model": result.model,
        "usage": usage_dict(result.usage),
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "refused": result.refused,
        "refusal": result.refusal or None,
        **{name: getattr(result, name) for name in TRANSPORT_FIELDS},
    }


def response_from_result(result: StreamResult) -> ChatResponse:
    """A whole (non-streamed) result -> one ``ChatResponse``."""
    calls = [[c.id, c.name, c.arguments] for c in result.tool_calls]
    text = result.text + result.refusal
    reasoning_tokens = result.usage.reasoning_tokens if result.usage else None
    extras = _Extras.of(result)
    message = _message(text, result.reasoning, calls, reasoning_tokens, extras, final=True)
    raw = raw_of(result)
    return ChatResponse(
        message=message, raw=raw, delta=None, additional_kwargs=_token_counts(result.usage)
    )


class ChatStream:
    """Folds normalized events into cumulative ``ChatResponse`` chunks (pure state).

    :meth:`feed` returns the chunk to yield for an event, or ``None`` when the event adds
    nothing a consumer can see (start, usage). Text, reasoning and each call's argument
    string are kept as growing strings because every chunk must carry the whole message
    so far; that copy per chunk is the framework's contract, not a choice here. The last
    chunk is built from the finish event's result (its text accumulated once, by the core).
    """

    __slots__ = ("_calls", "_extras", "_reasoning", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._reasoning = ""
        self._calls: list[list[Any]] = []  # [id, name, arguments so far]
        self._extras = _Extras()

    def feed(self, event: StreamEvent) -> ChatResponse | None:
        """The chunk for ``event``, if it changes what a consumer sees."""
        match event:
            case TextDelta(text=text) | RefusalDelta(text=text):
                self._text += text
                return self._chunk(text)
            case ToolCallDelta():
                calls = self._calls
                while len(calls) <= event.index:
                    calls.append([None, None, ""])
                call = calls[event.index]
                if event.id is not None:
                    call[0] = event.id
                if event.name is not None:
                    call[1] = event.name
                call[2] += event.arguments
                return self._chunk("")
            case ReasoningDelta(text=text):
                self._reasoning += text
                return self._chunk("", thinking_delta=text)
            case Finish(result=result):
                assert result is not None  # the parser attaches it
                return self.final(result)
            case ServerToolCall():
                self._extras.server_calls.append(event)
                return self._chunk("")
            case ServerToolResult():
                self._extras.results.append(event)
                return self._chunk("")
            case Citation():
                self._extras.citations.append(event)
                return self._chunk("")
            case BlockDone():
                self._extras.blocks.append(event)  # thinking signatures reach the last chunk
            case ResponseStarted() | UsageReported():
                pass  # identity and usage reach the last chunk through the finish event
            case _:
                assert_never(event)
        return None

    @staticmethod
    def final(result: StreamResult) -> ChatResponse:
        """The last chunk: the whole message, plus usage and finish reason in ``raw``."""
        usage = result.usage
        tokens = usage.reasoning_tokens if usage else None
        calls = [[c.id, c.name, c.arguments] for c in result.tool_calls]
        extras = _Extras.of(result)
        text = result.text + result.refusal
        message = _message(text, result.reasoning, calls, tokens, extras, final=True)
        return ChatResponse(
            message=message,
            delta="",
            raw=raw_of(result),
            additional_kwargs=_token_counts(usage),
        )

    def _chunk(self, delta: str, thinking_delta: str | None = None) -> ChatResponse:
        if (
            thinking_delta is None
            and not self._calls
            and not self._reasoning
            and not self._extras.any
        ):
            # The per-token case, text alone: the same objects _message builds, built
            # directly (this runs once per token).
            message = ChatMessage(
                role=MessageRole.ASSISTANT,
                blocks=[TextBlock(text=self._text)],
                additional_kwargs={},
            )
            return ChatResponse(message=message, delta=delta, additional_kwargs={})
        extra = {"thinking_delta": thinking_delta} if thinking_delta is not None else {}
        return ChatResponse(
            message=_message(self._text, self._reasoning, self._calls, None, self._extras),
            delta=delta,
            additional_kwargs=extra,
        )
