"""Chat Completions stream chunks -> normalized events (pure).

Reference: https://platform.openai.com/docs/api-reference/chat-streaming

What real OpenAI-compatible servers send beyond the reference, each seen in
``tests/recordings/wire``:

* ``delta.content`` as a list of typed parts, thinking included (Mistral magistral);
* reasoning as ``reasoning_content`` (DeepSeek, xAI, Z.ai, llama.cpp), ``reasoning``
  (Groq, OpenRouter) or ``reasoning_details`` (OpenRouter, usually alongside ``reasoning``:
  read only when no plain string is present, so nothing is doubled);
* tool-call deltas whose ``index`` starts at 1 (Anthropic-compatible gateways), whose ``id``
  and ``name`` repeat on every delta (Baseten), whose ``index`` is missing, or where every
  parallel call says ``index: 0`` with a different ``id``; several calls in one chunk;
* ``finish_reason`` repeated on later chunks, ``usage`` on the finish chunk, in its own
  ``choices: []`` chunk or cumulatively on every chunk (reported once, the last value);
* ``annotations`` (OpenAI's search models: ``url_citation`` with indices into the whole
  message text), mapped to ``Citation`` events;
* no ``data: [DONE]`` at the end (Cerebras), an ``error`` object inside a data line after
  a finish (OpenRouter) or an ``event: error`` frame (Groq).

Only choice 0 feeds the normalized stream; with ``n > 1`` the other choices are skipped.
"""

from __future__ import annotations

import json
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError, stream_error
from lemon_adapters.core.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)
from lemon_adapters.core.wire.fields import Counts, text
from lemon_adapters.core.wire.fields import piece as _piece
from lemon_adapters.core.wire.server_tools import chat_citation
from lemon_adapters.core.wire.sse import ServerSentEvent, loads_object

FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "tool_use": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
}


class _ToolCallState:
    """What the mapper knows of one tool call while it streams."""

    __slots__ = ("args", "id", "index", "name")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.id = call_id
        self.name = name
        self.args = False  # any argument text seen


class ChatCompletionsMapper:
    """Maps one Chat Completions stream. Feed SSE events to :meth:`map`, then :meth:`end`.

    Attributes:
        finished: the ``Finish`` event was emitted (``[DONE]``, or :meth:`end` after a
            finish reason).
        saw_done: the stream carried ``data: [DONE]``.
    """

    def __init__(self) -> None:
        self.finished = False
        self.saw_done = False
        self.started = False
        self.response_id: str | None = None
        self.model: str | None = None
        self.raw_finish: str | None = None
        self._usage: Any = None
        self._calls: list[_ToolCallState] = []
        self._by_index: dict[int, _ToolCallState] = {}
        self._by_id: dict[str, _ToolCallState] = {}

    def map(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        """Map one SSE event, appending normalized events to ``out``."""
        self.map_data(sse.event, sse.data, out)

    def map_data(self, event: str, data: str, out: list[StreamEvent]) -> None:
        """:meth:`map` for an event given as its ``event`` name and ``data`` text.

        Raises:
            StreamError: the stream reports an error (an error chunk or ``event: error``);
                the events before it are in ``out``.
            MalformedStreamError: ``data`` is not a JSON object.
        """
        if self.finished:
            return
        if data == "[DONE]":
            self.saw_done = True
            self._finish(out)
            return
        chunk = loads_object(data, "Chat Completions")
        if chunk is not None:  # None: an empty `data:` event (a keep-alive)
            self.map_chunk(event, chunk, out)

    def map_completion(self, completion: dict[str, Any], out: list[StreamEvent]) -> None:
        """Map a whole (non-streamed) chat completion: one chunk whose ``delta`` is each
        choice's ``message`` (tool calls indexed in order), then the end of the stream."""
        choices = []
        for choice in completion.get("choices") or ():
            message = dict(choice.get("message") or {})
            if message.get("tool_calls"):
                message["tool_calls"] = [
                    {"index": i, **tc} for i, tc in enumerate(message["tool_calls"])
                ]
            choices.append({**choice, "delta": message})
        self.map_chunk("message", {**completion, "choices": choices}, out)
        if not self.started:  # an empty object: nothing says a response was produced
            return
        self.saw_done = True
        if not self.finished:
            self._finish(out)

    def map_chunk(self, event: str, chunk: dict[str, Any], out: list[StreamEvent]) -> None:
        """:meth:`map_data` for a chunk whose JSON is already decoded."""
        error = chunk.get("error")
        if not self.started:
            if not (
                chunk.get("id")
                or chunk.get("choices")
                or chunk.get("usage")
                or error
                or event == "error"
            ):
                # Azure opens with a preamble chunk (prompt_filter_results, id "", model "",
                # choices []): nothing to map, and the real id and model come next.
                return
            self.started = True
            self.response_id = text(chunk.get("id"), "id")
            self.model = text(chunk.get("model"), "model")
            out.append(ResponseStarted(id=self.response_id, model=self.model))
        elif self.response_id is None:
            # Started without an id (an id-less first chunk): take the first one that comes;
            # the parser copies it into the result at the end.
            self.response_id = text(chunk.get("id"), "id")
            self.model = self.model or text(chunk.get("model"), "model")
        if error or event == "error":  # `"error": null` on normal chunks is not one
            self._error(error if isinstance(error, dict | str) else chunk, chunk, out)
        choices = chunk.get("choices")
        if choices:
            choice = choices[0]
            if choice.get("index", 0) != 0:
                choice = next((c for c in choices if c.get("index", 0) == 0), None)
            if choice is not None:
                delta = choice.get("delta")
                if delta:
                    # The common token chunks carry one key: {"content": ...} or
                    # {"tool_calls": [...]}; skip the other channels' lookups for them.
                    content = delta.get("content")
                    if len(delta) != 1:
                        self._delta(delta, out)
                    elif type(content) is str:
                        if content:
                            out.append(TextDelta(text=content))
                    elif "tool_calls" in delta and type(delta["tool_calls"]) is list:
                        for tc in delta["tool_calls"]:
                            self._tool_call(tc, out)
                    else:
                        self._delta(delta, out)
                reason = choice.get("finish_reason")
                if reason and self.raw_finish is None:
                    self.raw_finish = reason
        usage = chunk.get("usage")
        if usage:
            self._usage = usage
        elif usage is None and self._usage is None:
            x_groq = chunk.get("x_groq")
            if x_groq and x_groq.get("usage"):
                self._usage = x_groq["usage"]

    def end(self, out: list[StreamEvent]) -> None:
        """End of body without ``[DONE]``: finish if a finish reason arrived."""
        if not self.finished and self.raw_finish is not None:
            self._finish(out)

    def _delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        # Reasoning first: when one delta (or a whole non-streamed message) carries both,
        # the thinking came before the answer.
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if reasoning and isinstance(reasoning, str):
            out.append(ReasoningDelta(text=reasoning))
        elif delta.get("reasoning_details"):
            for detail in delta["reasoning_details"]:
                text = detail.get("text") or detail.get("summary")
                if text and isinstance(text, str):
                    out.append(ReasoningDelta(text=text))
        content = delta.get("content")
        if content:
            if type(content) is str:
                out.append(TextDelta(text=content))
            elif isinstance(content, list):
                self._content_parts(content, out)
            else:
                raise MalformedStreamError(
                    f"delta.content is a {type(content).__name__}, not text: {content!r:.100}"
                )
        refusal = delta.get("refusal")
        if refusal and isinstance(refusal, str):
            out.append(RefusalDelta(text=refusal))
        annotations = delta.get("annotations")
        if annotations:
            out.extend(chat_citation(a) for a in annotations if isinstance(a, dict))
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for tc in tool_calls:
                self._tool_call(tc, out)

    def _content_parts(self, parts: list[Any], out: list[StreamEvent]) -> None:
        for part in parts:
            if isinstance(part, str):
                if part:
                    out.append(TextDelta(text=part))
                continue
            kind = part.get("type")
            if kind == "text" and part.get("text"):
                out.append(TextDelta(text=_piece(part["text"], "content[].text")))
            elif kind == "thinking":
                thinking = part.get("thinking")
                if isinstance(thinking, str):
                    thinking = [{"text": thinking}]
                for sub in thinking or ():
                    piece = sub.get("text") if isinstance(sub, dict) else sub
                    if piece:
                        out.append(ReasoningDelta(text=_piece(piece, "content[].thinking")))

    def _tool_call(self, tc: dict[str, Any], out: list[StreamEvent]) -> None:
        wire_index = tc.get("index")
        call_id = tc.get("id") or None
        fn = tc.get("function") or {}
        name = fn.get("name") or None
        if call_id is not None and type(call_id) is not str:
            call_id = text(call_id, "tool_calls[].id")
        if name is not None and type(name) is not str:
            name = text(name, "tool_calls[].function.name")
        args = fn.get("arguments")
        if args is None:
            args = ""
        elif type(args) is not str:
            args = json.dumps(args)  # some servers send an object, not JSON text

        if call_id is None and name is None and wire_index is not None:
            known = self._by_index.get(wire_index)
            if known is not None:  # an argument fragment of a known call: the hot path
                if args:
                    known.args = True
                    out.append(ToolCallDelta(index=known.index, id=None, name=None, arguments=args))
                return

        call: _ToolCallState | None = None
        if call_id is not None:
            call = self._by_id.get(call_id)
            if call is None and wire_index is not None:
                known = self._by_index.get(wire_index)
                if known is not None and known.id is None:
                    call = known  # the id arrived after the call's first delta
        elif wire_index is not None:
            call = self._by_index.get(wire_index)
        elif self._calls:
            last = self._calls[-1]
            # No index and no id: a continuation, unless a named call starts after a
            # complete one (sequential whole calls from servers that omit both).
            if not (name and last.name and last.args and name != last.name):
                call = last

        if call is None:
            call = _ToolCallState(len(self._calls), call_id, name)
            self._calls.append(call)
            if call_id is not None:
                self._by_id[call_id] = call
            if wire_index is not None:
                self._by_index[wire_index] = call
            call.args = bool(args)
            out.append(ToolCallDelta(index=call.index, id=call_id, name=name, arguments=args))
            return

        new_id = None
        if call_id is not None and call.id is None:
            call.id = new_id = call_id
            self._by_id[call_id] = call
        new_name = None
        if name is not None and call.name is None:
            call.name = new_name = name
        if args or new_id or new_name:
            call.args = call.args or bool(args)
            out.append(ToolCallDelta(index=call.index, id=new_id, name=new_name, arguments=args))

    def _finish(self, out: list[StreamEvent]) -> None:
        usage = usage_from_chat(self._usage)
        if usage is not None:
            out.append(UsageReported(usage=usage))
        raw = text(self.raw_finish, "finish_reason")
        reason: FinishReason = FINISH_REASONS.get(raw, "other") if raw else "stop"
        if self._calls and reason == "stop":
            reason = "tool_calls"  # some gateways say "stop" after tool calls
        self.finished = True
        out.append(Finish(reason=reason, raw_reason=raw))

    def _error(self, error: Any, chunk: dict[str, Any], out: list[StreamEvent]) -> None:
        # OpenRouter bills the failed attempt and says so on the error chunk itself
        # (chat__openrouter_minimax-m2__midstream-error): keep it on the partial result.
        usage = usage_from_chat(chunk.get("usage") or self._usage)
        if usage is not None:
            out.append(UsageReported(usage=usage))
        self.finished = True
        raise stream_error(error, frame=chunk, default="the server reported an error")


def usage_from_chat(usage: Any) -> Usage | None:
    """Normalize a Chat Completions ``usage`` object (``None`` when absent)."""
    if not isinstance(usage, dict):
        return None
    counts = Counts()
    inp = counts.get(usage, "prompt_tokens") or 0
    outp = counts.get(usage, "completion_tokens") or 0
    prompt = counts.details(usage, "prompt_tokens_details")
    cached = counts.get(prompt, "cached_tokens", "prompt_tokens_details.")
    if cached is None:
        cached = counts.get(usage, "prompt_cache_hit_tokens")  # DeepSeek
    if cached is None:
        cached = counts.get(usage, "cached_tokens")  # Together: at the top level of usage
    completion = counts.details(usage, "completion_tokens_details")
    reasoning = counts.get(completion, "reasoning_tokens", "completion_tokens_details.")
    return Usage(
        input_tokens=inp,
        output_tokens=outp,
        total_tokens=counts.get(usage, "total_tokens") or inp + outp,
        cached_tokens=cached,
        reasoning_tokens=reasoning,
        invalid_counts=tuple(counts.invalid),
    )
