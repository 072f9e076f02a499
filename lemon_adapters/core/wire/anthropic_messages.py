"""Anthropic Messages API stream events -> normalized events (pure).

Reference: https://docs.anthropic.com/en/docs/build-with-claude/streaming

A stream is ``message_start``, then per content block ``content_block_start``, its
``content_block_delta`` events and ``content_block_stop``, then ``message_delta`` (stop
reason, final usage) and ``message_stop``; ``ping`` may come anywhere (before the first
block on Vertex, between blocks, or never: ``tests/recordings/messages``). The event type is
read from the JSON ``type`` field, falling back to the SSE ``event:`` line, so data-only
framing works too (``msg__*__vercel-ai.chunks`` recordings are JSON lines re-framed).

What comes out:

* text deltas as ``TextDelta`` (the text blocks of one answer are one text: web search
  answers split it at every citation);
* thinking as ``ReasoningDelta``, with ``"\\n\\n"`` between two thinking blocks;
* client ``tool_use`` blocks as ``ToolCallDelta`` keyed 0, 1, ... in order of appearance
  (not by content-block index). A call whose input never streams (a zero-argument tool:
  ``input: {}`` and one empty ``partial_json``) ends with arguments ``"{}"``. Server tool
  blocks (``server_tool_use``, ``mcp_tool_use``, ``*_tool_result``) are never tool calls:
  the server ran them, an agent must not;
* server tool blocks as ``ServerToolCall`` (``server_tool_use``, ``mcp_tool_use``: its
  input parsed) and ``ServerToolResult`` (every ``*_tool_result`` block: web search, code
  execution, MCP, tool search, advisor...; ``"error"`` when it says ``is_error`` or its
  content is an ``*_error`` object), each at its block's end;
* a text block's citations (``citations_delta``, or ``citations`` on a whole block) as
  ``Citation`` events after the block's text, spanning that block in the answer text;
* every finished block as ``BlockDone`` in the API's own shape (the block as started plus
  what its deltas added: text (filled by the parser from the one accumulated answer text,
  at the block's ``text_span``) and its citations, thinking and its signature, a tool
  block's ``input`` parsed, or kept as the raw text when it is not a JSON object), which is
  what the next request must send back, with its type, signature, redacted data and
  client tool-call index as typed fields. A block that never gets its
  ``content_block_stop`` (``msg__anthropic_claude-3.7-sonnet__max_tokens-mid-tool-json``)
  is not finished, so no ``BlockDone``: its tool call keeps the cut JSON, unparsed;
* usage once, at ``message_stop``: ``message_start``'s counts, overridden field by field
  by ``message_delta``'s (gateways repeat or correct ``input_tokens`` there), with the
  prompt-cache reads and writes added into ``input_tokens`` as the other APIs count them.
  When ``usage.iterations`` lists what the response billed, the totals are the sum over
  this model's iterations (a ``compaction`` pass is billed besides the answer:
  ``msg__anthropic_claude-sonnet-4.6__compaction+cache_read``, whose top-level counts
  leave it out), and an iteration that names another model (``advisor_message``) is
  reported apart by model (``..._thinking-signature-only+advisor``).

Unknown event and delta types are counted in ``ignored`` and skipped; unknown block types
are kept opaque (``BlockDone`` carries them as started).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lemon_adapters.core.errors import error_fields, stream_error
from lemon_adapters.core.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from lemon_adapters.core.wire.anthropic_usage import usage_from_messages
from lemon_adapters.core.wire.fields import text as wire_text
from lemon_adapters.core.wire.nesting import too_deep
from lemon_adapters.core.wire.pieces import BLOCK as _BLOCK
from lemon_adapters.core.wire.pieces import compact as _compact
from lemon_adapters.core.wire.server_tools import (
    SERVER_TOOL_CALLS,
    block_done,
    messages_citation,
    messages_server_call,
    messages_server_result,
)
from lemon_adapters.core.wire.sse import ServerSentEvent, loads_object

#: ``stop_reason`` -> normalized finish reason; anything else (``pause_turn``...) is "other".
STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

#: In-stream error types that are transient: retried (before any output) unless the error
#: itself says ``"retryable": false``. Anthropic sends ``overloaded_error`` as an
#: ``event: error`` frame inside a 200 stream when it is overloaded.
RETRYABLE_ERRORS = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})

_Handler = Callable[[dict[str, Any], list[StreamEvent]], None]


class _Block:
    """One content block while it streams: the block as started and its deltas' pieces."""

    __slots__ = (
        "call",
        "citations",
        "content",
        "json",
        "json_blocks",
        "reasoned",
        "signature",
        "start",
        "text_len",
        "thinking",
        "thinking_blocks",
    )

    def __init__(self, start: dict[str, Any], call: int | None) -> None:
        self.start = start
        self.call = call  # the ToolCallDelta index of a client tool_use, else None
        # Streamed pieces, joined every _BLOCK pieces into *_blocks as they arrive (one
        # str per token would cost ~55 bytes of header each, as in core.accumulate).
        # The text is not kept here: it is accumulated once, by the parser's accumulator,
        # which fills a finished text block from the span its length gives.
        self.text_len = 0
        self.thinking: list[str] = []
        self.thinking_blocks: list[str] = []
        self.signature: list[str] = []
        self.json: list[str] = []  # non-empty partial_json pieces
        self.json_blocks: list[str] = []
        self.content: list[str] = []  # compaction_delta pieces
        self.citations: list[Any] | None = None
        self.reasoned = False  # a ReasoningDelta came from this block


class MessagesMapper:
    """Maps one Messages stream. Feed SSE events to :meth:`map`; read ``finished``.

    Attributes:
        finished: ``message_stop`` (or an ``error`` event) was mapped.
        started: the response began (``message_start``, or a first event without it).
        saw_done: a ``data: [DONE]`` line was seen (Messages streams have none; a gateway
            that adds one before ``message_stop`` has cut the stream).
        response_id: the message id (``msg_...``), once known.
        model: the model that answered, once known.
        stop_reason: the raw ``stop_reason`` of ``message_delta``.
        ignored: counts of unknown event types and unknown delta types skipped.
    """

    def __init__(self) -> None:
        self.finished = False
        self.started = False
        self.saw_done = False
        self.response_id: str | None = None
        self.model: str | None = None
        self.stop_reason: str | None = None
        self.ignored: dict[str, int] = {}
        self._usage: dict[str, Any] | None = None
        self._blocks: dict[int, _Block] = {}  # open blocks by content-block index
        self._ncalls = 0
        self._any_reasoning = False
        self._text_len = 0  # the answer text so far, for citation offsets
        self._server_names: dict[str, str] = {}  # server tool call id -> tool name
        self._handlers: dict[str, _Handler] = {
            "content_block_delta": self._block_delta,
            "content_block_start": self._block_start,
            "content_block_stop": self._block_stop,
            "message_start": self._message_start,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "ping": self._ping,
            "error": self._error,
        }
        self._deltas: dict[str, Callable[[_Block, dict[str, Any], list[StreamEvent]], None]] = {
            "thinking_delta": self._thinking_delta,
            "input_json_delta": self._json_delta,
            "signature_delta": self._signature_delta,
            "citations_delta": self._citations_delta,
            "compaction_delta": self._compaction_delta,
        }

    def map(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        """Map one SSE event, appending normalized events to ``out``."""
        self.map_data(sse.event, sse.data, out)

    def map_data(self, event: str, data: str, out: list[StreamEvent]) -> None:
        """:meth:`map` for an event given as its ``event`` name and ``data`` text.

        Raises:
            StreamError: the stream reports an error (an ``error`` event); the events
                before it are in ``out``.
            MalformedStreamError: ``data`` is not a JSON object. (A field of the wrong type,
                or a delta for a block that is not open, raises what indexing the JSON
                raises; the parser turns it into a MalformedStreamError naming the event.)
        """
        if self.finished:
            return
        if data == "[DONE]":
            self.saw_done = True
            return
        obj = loads_object(data, "Messages stream")
        if obj is not None:  # None: an empty `data:` event (a keep-alive)
            self.map_event(event, obj, out)

    def map_message(self, message: dict[str, Any], out: list[StreamEvent]) -> None:
        """Map a whole (non-streamed) Messages response as if it had streamed: each content
        block arrives whole in its ``content_block_start``, so the same events and result
        come out. An ``{"type": "error"}`` object raises as an in-stream error would."""
        kind = message.get("type")
        if kind == "error":
            self.map_event("error", message, out)
            return
        if kind != "message" and not isinstance(message.get("content"), list):
            return  # not a Messages response: the parser says so
        self.map_event("message", {"type": "message_start", "message": message}, out)
        for index, block in enumerate(message.get("content") or ()):
            start = {"type": "content_block_start", "index": index, "content_block": block}
            self.map_event("message", start, out)
            self.map_event("message", {"type": "content_block_stop", "index": index}, out)
        delta = {"stop_reason": message.get("stop_reason")}
        self.map_event("message", {"type": "message_delta", "delta": delta}, out)
        self.map_event("message", {"type": "message_stop"}, out)

    def map_event(self, event: str, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        """:meth:`map_data` for an event whose JSON is already decoded."""
        etype = obj.get("type")
        if etype is None:
            etype = event
        handler = self._handlers.get(etype)
        if handler is None:
            self.ignored[etype] = self.ignored.get(etype, 0) + 1
        elif self.started:
            handler(obj, out)
        else:
            # No message_start before this event: ResponseStarted must still come first.
            n = len(out)
            handler(obj, out)
            if not self.started and len(out) > n:
                self.started = True
                out.insert(n, ResponseStarted(id=None, model=None))

    # -- content blocks -------------------------------------------------------------------

    def _block_start(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        start = obj["content_block"]
        kind = start["type"]
        call = None
        if kind == "tool_use":  # a client tool: the caller runs it
            call = self._ncalls
            self._ncalls += 1
            out.append(
                ToolCallDelta(
                    index=call,
                    id=wire_text(start.get("id"), "tool_use.id"),
                    name=wire_text(start.get("name"), "tool_use.name"),
                    arguments="",
                )
            )
        block = self._blocks[obj["index"]] = _Block(start, call)
        # Anthropic starts text and thinking empty; a whole block (a non-streamed answer,
        # or a gateway that sends one) carries its content here.
        if kind == "text":
            text = start.get("text")
            if text:
                _check_text(text, "text")
                block.text_len = len(text)
                out.append(TextDelta(text=text))
        elif kind == "thinking":
            thinking = start.get("thinking")
            if thinking:
                _check_text(thinking, "thinking")
                self._reason(block, thinking, out)

    def _block_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = obj["delta"]
        # A delta for a block that is not open (never started, or already stopped) is a
        # KeyError here: the parser reports it as a malformed event.
        block = self._blocks[obj["index"]]
        dtype = delta["type"]
        if dtype == "text_delta":  # the per-token case, inline
            text = delta["text"]
            if type(text) is not str:
                _check_text(text, "text_delta.text")
            if text:
                block.text_len += len(text)
                out.append(TextDelta(text=text))
            return
        handler = self._deltas.get(dtype)
        if handler is not None:
            handler(block, delta, out)
        else:
            self.ignored[dtype] = self.ignored.get(dtype, 0) + 1

    def _thinking_delta(self, block: _Block, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        text = delta["thinking"]
        if type(text) is not str:
            _check_text(text, "thinking_delta.thinking")
        if text:
            block.thinking.append(text)
            if len(block.thinking) == _BLOCK:
                _compact(block.thinking_blocks, block.thinking)
            if block.reasoned:
                out.append(ReasoningDelta(text=text))
            else:
                self._reason(block, text, out)

    def _reason(self, block: _Block, text: str, out: list[StreamEvent]) -> None:
        """A block's first reasoning text: separated from an earlier block's as a paragraph."""
        block.reasoned = True
        if self._any_reasoning:
            out.append(ReasoningDelta(text="\n\n"))
        self._any_reasoning = True
        out.append(ReasoningDelta(text=text))

    def _json_delta(self, block: _Block, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        piece = delta["partial_json"]
        if type(piece) is not str:
            _check_text(piece, "input_json_delta.partial_json")
        if piece:  # an empty partial_json (every zero-argument tool sends one) adds nothing
            block.json.append(piece)
            if len(block.json) == _BLOCK:
                _compact(block.json_blocks, block.json)
            if block.call is not None:
                out.append(ToolCallDelta(index=block.call, id=None, name=None, arguments=piece))

    def _signature_delta(
        self, block: _Block, delta: dict[str, Any], out: list[StreamEvent]
    ) -> None:
        piece = delta["signature"]
        if piece:
            _check_text(piece, "signature_delta.signature")
            block.signature.append(piece)

    def _compaction_delta(
        self, block: _Block, delta: dict[str, Any], out: list[StreamEvent]
    ) -> None:
        piece = delta.get("content")
        if piece:
            _check_text(piece, "compaction_delta.content")
            block.content.append(piece)

    def _citations_delta(
        self, block: _Block, delta: dict[str, Any], out: list[StreamEvent]
    ) -> None:
        if block.citations is None:
            block.citations = []
        block.citations.append(delta["citation"])

    def _block_stop(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        index = obj["index"]
        state = self._blocks.pop(index, None)
        if state is None:
            return  # nothing started at this index: nothing to finish
        block = dict(state.start)  # the one copy of the block, at its end
        if state.thinking or state.thinking_blocks:
            thinking = [*state.thinking_blocks, *state.thinking]
            block["thinking"] = _joined(block.get("thinking"), thinking)
        if state.signature:
            block["signature"] = _joined(block.get("signature"), state.signature)
        if state.content:
            block["content"] = _joined(block.get("content"), state.content)
        if state.citations is not None:
            block["citations"] = [*(block.get("citations") or ()), *state.citations]
        if state.json or state.json_blocks:
            block["input"] = _parsed_input("".join([*state.json_blocks, *state.json]))
        elif state.call is not None:
            # Nothing streamed: the arguments are the input the block started with ({} for
            # a zero-argument tool, the whole input in a non-streamed answer).
            args = block.get("input")
            text = json.dumps(args) if isinstance(args, dict) and args else "{}"
            out.append(ToolCallDelta(index=state.call, id=None, name=None, arguments=text))
        kind = block["type"]
        span = None
        if kind == "text":
            span = self._text_done(block, state.text_len, out)
        elif kind in SERVER_TOOL_CALLS:
            call = messages_server_call(block)
            if call.id:
                self._server_names[call.id] = call.name
            out.append(call)
        elif isinstance(kind, str) and kind.endswith("_tool_result"):
            out.append(messages_server_result(block, self._server_names))
        out.append(block_done(index, block, state.call, span))

    def _text_done(
        self, block: dict[str, Any], length: int, out: list[StreamEvent]
    ) -> tuple[int, int] | None:
        """A text block's span in the answer text (``None`` if it added none); a cited
        block's citations span it."""
        start = self._text_len
        self._text_len += length
        for cited in block.get("citations") or ():
            out.append(messages_citation(cited, start, self._text_len))
        return (start, self._text_len) if length else None

    # -- the message ----------------------------------------------------------------------

    def _message_start(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        message = obj["message"]
        self.response_id = self.response_id or wire_text(message.get("id"), "message.id")
        self.model = self.model or wire_text(message.get("model"), "message.model")
        usage = message.get("usage")
        if usage:
            self._usage = dict(usage)
        if not self.started:
            self.started = True
            out.append(ResponseStarted(id=self.response_id, model=self.model))

    def _message_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        reason = (obj.get("delta") or {}).get("stop_reason")
        if reason is not None:
            self.stop_reason = reason
        usage = obj.get("usage")
        if usage:
            # A later count wins, field by field; a field absent (or null) here keeps
            # message_start's value (web search and compaction recordings).
            merged = self._usage if self._usage is not None else {}
            for key, value in usage.items():
                if value is not None:
                    merged[key] = value
            self._usage = merged

    def _message_stop(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        usage = usage_from_messages(self._usage, self.model)
        if usage is not None:
            out.append(UsageReported(usage=usage))
        raw = wire_text(self.stop_reason, "stop_reason")
        # No stop_reason at all (a gateway's bare message_stop): as Chat Completions does.
        default: FinishReason = "tool_calls" if self._ncalls else "stop"
        reason = STOP_REASONS.get(raw, "other") if raw else default
        self.finished = True
        out.append(Finish(reason=reason, raw_reason=raw))

    def _ping(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        return

    def _error(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        self.finished = True
        raw = obj.get("error")
        error = raw if isinstance(raw, dict | str) else obj
        exc = stream_error(error, frame=obj, default="the server reported an error")
        if exc.type in RETRYABLE_ERRORS and error_fields({"error": error}).retryable is None:
            exc.retryable = True
        raise exc


def _check_text(value: Any, what: str) -> None:
    # A TypeError, not fields.piece's MalformedStreamError: the parser then names the
    # Messages event and shows its data line, which the Messages tests expect.
    if type(value) is not str:
        raise TypeError(f"{what} is {type(value).__name__}, not a string")


def _joined(start: Any, parts: list[str]) -> str:
    """A block field: what the block started with, then its deltas' pieces."""
    rest = "".join(parts)
    return start + rest if isinstance(start, str) else rest


def _parsed_input(raw: str) -> Any:
    """A tool block's streamed JSON as an object, or the raw text when it is not one."""
    if too_deep(raw):
        return raw
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    return value if isinstance(value, dict) else raw
