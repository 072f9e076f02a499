"""Responses API stream events -> normalized events (pure).

Reference: https://platform.openai.com/docs/api-reference/responses-streaming

Every documented event type is either handled in :attr:`ResponsesMapper._handlers` or
listed in :data:`IGNORED`; anything else is counted in ``ignored`` and skipped, so a new
event type never breaks a stream. The event type is read from the JSON ``type`` field,
falling back to the SSE ``event:`` line, because OpenRouter sends data-only frames
(``resp__openrouter_*`` recordings) and some servers add ``data: [DONE]``.

Content that a server sends only in a ``*.done`` event or in the terminal response object
(reasoning in ``output_item.done``, a function call's arguments only in
``function_call_arguments.done``) is emitted then, and never twice: each ``done`` is
reconciled with what its deltas already produced.

Built-in tools the server runs (``web_search_call``, ``file_search_call``,
``code_interpreter_call``, ``image_generation_call``, ``mcp_call``, ``mcp_list_tools``)
come as a ``ServerToolCall`` and its ``ServerToolResult`` when their item is done (their
progress events, ``response.web_search_call.*`` and the like, say nothing more); text
annotations (``response.output_text.annotation.added``, or ``annotations`` on a finished
part) as ``Citation`` events with offsets into the whole answer text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lemon_adapters.core.errors import stream_error
from lemon_adapters.core.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from lemon_adapters.core.wire.fields import not_text as _not_text
from lemon_adapters.core.wire.fields import text
from lemon_adapters.core.wire.responses_vocab import IGNORED, usage_from_responses
from lemon_adapters.core.wire.server_tools import SERVER_ITEMS, responses_citation, server_item
from lemon_adapters.core.wire.sse import ServerSentEvent, loads_object

_INCOMPLETE_REASONS: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}


class _ToolCallState:
    """What the mapper knows of one function call while it streams."""

    __slots__ = ("arguments_len", "call_id", "index", "name")

    def __init__(self, index: int, call_id: str | None, name: str | None) -> None:
        self.index = index
        self.call_id = call_id
        self.name = name
        self.arguments_len = 0


class ResponsesMapper:
    """Maps one Responses stream. Feed SSE events to :meth:`map`; read ``finished``.

    Attributes:
        finished: a terminal event (completed, incomplete, failed, error) was mapped.
        saw_done: the stream carried ``data: [DONE]``.
        response_id: the response id, once known (needed to resume a background response).
        last_sequence_number: the highest ``sequence_number`` mapped; events at or below it
            are skipped, so a resumed stream delivers every event exactly once.
        ignored: counts of event types skipped because they are unknown.
    """

    def __init__(self) -> None:
        self.finished = False
        self.saw_done = False
        self.started = False
        self.response_id: str | None = None
        self.model: str | None = None
        self.last_sequence_number = -1
        self.ignored: dict[str, int] = {}
        self._calls: dict[str, _ToolCallState] = {}  # by item id
        self._calls_by_output: dict[int, _ToolCallState] = {}
        self._ncalls = 0
        self._text_len: dict[tuple[str, int], int] = {}
        self._text_base: dict[tuple[str, int], int] = {}  # a part's offset in the answer
        self._annotated: set[tuple[str, int]] = set()
        self._server_items: set[str] = set()
        self._any_text = False
        self._any_refusal = False
        self._reasoning_keys: set[tuple[str, str, int]] = set()
        self._reasoning_items: set[str] = set()
        self._any_reasoning = False
        self._handlers: dict[str, Callable[[dict[str, Any], list[StreamEvent]], None]] = {
            "response.output_text.delta": self._text_delta,
            "response.output_text.done": self._text_done,
            "response.output_text.annotation.added": self._annotation,
            "response.refusal.delta": self._refusal_delta,
            "response.reasoning_summary_text.delta": self._summary_delta,
            "response.reasoning_text.delta": self._reasoning_text_delta,
            "response.reasoning_summary_part.added": self._noop,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.function_call_arguments.done": self._arguments_done,
            "response.output_item.added": self._item_added,
            "response.output_item.done": self._item_done,
            "response.created": self._started,
            "response.in_progress": self._started,
            "response.queued": self._started,
            "response.completed": self._completed,
            "response.incomplete": self._incomplete,
            "response.failed": self._failed,
            "error": self._error,
        }

    def map(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        """Map one SSE event, appending normalized events to ``out``."""
        self.map_data(sse.event, sse.data, out)

    def map_data(self, event: str, data: str, out: list[StreamEvent]) -> None:
        """:meth:`map` for an event given as its ``event`` name and ``data`` text.

        Raises:
            StreamError: the stream reports an error (``error``, ``response.failed``);
                the events before it are in ``out``.
            MalformedStreamError: ``data`` is not a JSON object.
        """
        if data == "[DONE]":
            self.saw_done = True
            return
        if self.finished:
            return
        obj = loads_object(data, "Responses stream")
        if obj is not None:  # None: an empty `data:` event (a keep-alive)
            self.map_event(event, obj, out)

    def map_response(self, response: dict[str, Any], out: list[StreamEvent]) -> None:
        """Map a whole (non-streamed) response object: it is its own terminal event."""
        status = response.get("status")
        kind = "response.completed"
        if status == "incomplete" or status == "failed":
            kind = f"response.{status}"
        self.map_event("message", {"type": kind, "response": response}, out)

    def map_event(self, event: str, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        """:meth:`map_data` for an event whose JSON is already decoded."""
        seq = obj.get("sequence_number")
        if seq is not None:
            if seq <= self.last_sequence_number:
                return
            self.last_sequence_number = seq
        etype = obj.get("type")
        if etype is None:
            etype = "error" if event == "error" or "error" in obj else event
        handler = self._handlers.get(etype)
        if handler is not None:
            if self.started:
                handler(obj, out)
                return
            # No response.created / in_progress before this event (a resumed stream, or a
            # server that skips them): ResponseStarted must still come first.
            n = len(out)
            handler(obj, out)
            if not self.started and len(out) > n:
                self.started = True
                out.insert(n, ResponseStarted(id=None, model=None))
        elif etype not in IGNORED:
            self.ignored[etype] = self.ignored.get(etype, 0) + 1

    # -- text ---------------------------------------------------------------------------

    def _text_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if delta:
            if type(delta) is not str:
                raise _not_text("output_text.delta", delta)
            key = (obj.get("item_id") or "", obj.get("content_index") or 0)
            seen = self._text_len.get(key)
            if seen is None:  # a new part: it starts where the parts before it end
                self._text_base[key] = sum(self._text_len.values())
                seen = 0
            self._text_len[key] = seen + len(delta)
            self._any_text = True
            out.append(TextDelta(text=delta))

    def _text_done(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        key = (obj.get("item_id") or "", obj.get("content_index") or 0)
        self._emit_missing_text(key, obj.get("text") or "", out)

    def _emit_missing_text(self, key: tuple[str, int], text: Any, out: list[StreamEvent]) -> None:
        if type(text) is not str:
            raise _not_text("output_text", text)
        seen = self._text_len.get(key)
        if seen is None:
            self._text_base[key] = sum(self._text_len.values())
            seen = 0
        if len(text) > seen:
            self._text_len[key] = len(text)
            self._any_text = True
            out.append(TextDelta(text=text[seen:]))

    def _annotation(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        key = (obj.get("item_id") or "", obj.get("content_index") or 0)
        self._annotated.add(key)
        annotation = obj.get("annotation")
        if isinstance(annotation, dict):
            base = self._text_base.get(key)
            if base is None:  # an annotation before its part's text: after all so far
                base = sum(self._text_len.values())
            out.append(responses_citation(annotation, base))

    def _part_annotations(self, key: tuple[str, int], part: Any, out: list[StreamEvent]) -> None:
        # A finished part's annotations, when no annotation.added event delivered them.
        if key in self._annotated:
            return
        self._annotated.add(key)
        base = self._text_base.get(key, 0)
        for annotation in part.get("annotations") or ():
            if isinstance(annotation, dict):
                out.append(responses_citation(annotation, base))

    def _refusal_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if delta:
            if type(delta) is not str:
                raise _not_text("refusal.delta", delta)
            self._any_refusal = True
            out.append(RefusalDelta(text=delta))

    def _emit_missing_refusal(self, content: Any, out: list[StreamEvent]) -> None:
        # A refusal that arrived only as a finished content part (no refusal.delta events).
        if self._any_refusal:
            return
        for part in content or ():
            if part.get("type") == "refusal" and part.get("refusal"):
                if type(part["refusal"]) is not str:
                    raise _not_text("content[].refusal", part["refusal"])
                self._any_refusal = True
                out.append(RefusalDelta(text=part["refusal"]))

    # -- reasoning ----------------------------------------------------------------------

    def _summary_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        self._reasoning(obj, "summary", obj.get("summary_index") or 0, out)

    def _reasoning_text_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        self._reasoning(obj, "content", obj.get("content_index") or 0, out)

    def _reasoning(self, obj: dict[str, Any], part: str, n: int, out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if not delta:
            return
        if type(delta) is not str:
            raise _not_text("reasoning delta", delta)
        item_id = obj.get("item_id") or ""
        key = (item_id, part, n)
        if key not in self._reasoning_keys:
            # A new summary part or reasoning item: keep parts apart as paragraphs.
            self._reasoning_keys.add(key)
            self._reasoning_items.add(item_id)
            if self._any_reasoning:
                out.append(ReasoningDelta(text="\n\n"))
        self._any_reasoning = True
        out.append(ReasoningDelta(text=delta))

    def _emit_reasoning_item(self, item: dict[str, Any], out: list[StreamEvent]) -> None:
        texts = [p.get("text") or "" for p in item.get("summary") or ()]
        texts += [
            p.get("text") or ""
            for p in item.get("content") or ()
            if p.get("type") in ("reasoning_text", "text")
        ]
        text = "\n\n".join(t for t in texts if t)
        if text:
            if self._any_reasoning:
                out.append(ReasoningDelta(text="\n\n"))
            self._any_reasoning = True
            out.append(ReasoningDelta(text=text))

    # -- function calls -----------------------------------------------------------------

    def _new_call(
        self, item_id: str, output_index: int | None, call_id: str | None, name: str | None
    ) -> _ToolCallState:
        call = _ToolCallState(self._ncalls, call_id, name)
        self._ncalls += 1
        self._calls[item_id] = call
        if output_index is not None:
            self._calls_by_output[output_index] = call
        return call

    def _find_call(self, obj: dict[str, Any]) -> _ToolCallState | None:
        item_id = obj.get("item_id")
        call = self._calls.get(item_id) if item_id is not None else None
        if call is None:
            output_index = obj.get("output_index")
            if output_index is not None:
                call = self._calls_by_output.get(output_index)
        return call

    def _arguments_delta(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta") or ""
        if type(delta) is not str:
            raise _not_text("function_call_arguments.delta", delta)
        call = self._find_call(obj)
        if call is None:  # deltas without output_item.added: the call starts here
            call = self._new_call(obj.get("item_id") or "", obj.get("output_index"), None, None)
            call.arguments_len = len(delta)
            out.append(ToolCallDelta(index=call.index, id=None, name=None, arguments=delta))
        elif delta:
            call.arguments_len += len(delta)
            out.append(ToolCallDelta(index=call.index, id=None, name=None, arguments=delta))

    def _arguments_done(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        call = self._find_call(obj)
        if call is None:
            call = self._new_call(obj.get("item_id") or "", obj.get("output_index"), None, None)
            name = text(obj.get("name"), "function_call_arguments.done name")
            out.append(ToolCallDelta(index=call.index, id=None, name=name, arguments=""))
            call.name = name
        self._complete_call(call, None, obj.get("name"), obj.get("arguments"), out)

    def _complete_call(
        self,
        call: _ToolCallState,
        call_id: str | None,
        name: str | None,
        arguments: Any,
        out: list[StreamEvent],
    ) -> None:
        """Emit whatever a ``done`` event knows that the deltas did not deliver."""
        call_id = text(call_id, "function_call call_id")
        name = text(name, "function_call name")
        new_id = call_id if call_id and not call.call_id else None
        new_name = name if name and not call.name else None
        rest = ""
        if isinstance(arguments, str) and len(arguments) > call.arguments_len:
            rest = arguments[call.arguments_len :]
        if new_id or new_name or rest:
            call.call_id = call.call_id or new_id
            call.name = call.name or new_name
            call.arguments_len += len(rest)
            out.append(ToolCallDelta(index=call.index, id=new_id, name=new_name, arguments=rest))

    # -- output items -------------------------------------------------------------------

    def _item_added(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        item = obj.get("item") or {}
        if item.get("type") != "function_call":
            return
        item_id = item.get("id") or ""
        if item_id in self._calls:
            return
        call = self._new_call(
            item_id,
            obj.get("output_index"),
            text(item.get("call_id"), "function_call call_id"),
            text(item.get("name"), "function_call name"),
        )
        args = item.get("arguments") or ""
        call.arguments_len = len(args) if isinstance(args, str) else 0
        out.append(
            ToolCallDelta(
                index=call.index,
                id=call.call_id,
                name=call.name,
                arguments=args if isinstance(args, str) else "",
            )
        )

    def _item_done(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        item = obj.get("item") or {}
        kind = item.get("type")
        item_id = item.get("id") or ""
        if kind == "function_call":
            call = self._calls.get(item_id) or self._calls_by_output.get(
                obj.get("output_index", -1)
            )
            if call is None:
                self._item_added(obj, out)
            else:
                self._complete_call(
                    call, item.get("call_id"), item.get("name"), item.get("arguments"), out
                )
        elif kind == "reasoning":
            if item_id not in self._reasoning_items:
                self._reasoning_items.add(item_id)
                self._emit_reasoning_item(item, out)
        elif kind == "message":
            for i, part in enumerate(item.get("content") or ()):
                if part.get("type") == "output_text":
                    self._emit_missing_text((item_id, i), part.get("text") or "", out)
                    self._part_annotations((item_id, i), part, out)
            self._emit_missing_refusal(item.get("content"), out)
        elif kind in SERVER_ITEMS:
            self._server_item(item, out)

    def _server_item(self, item: dict[str, Any], out: list[StreamEvent]) -> None:
        """A built-in tool's finished item: its call, then its result (once per item)."""
        item_id = text(item.get("id"), f"{item['type']} id")
        if item_id is not None:
            if item_id in self._server_items:
                return
            self._server_items.add(item_id)
        call, result = server_item(item, item_id)
        out.append(call)
        out.append(result)

    # -- lifecycle ----------------------------------------------------------------------

    def _noop(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        return

    def _started(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        if self.started:
            return
        response = obj.get("response") or {}
        self.started = True
        self.response_id = text(response.get("id"), "response.id")
        self.model = text(response.get("model"), "response.model")
        out.append(ResponseStarted(id=self.response_id, model=self.model))

    def _terminal(self, obj: dict[str, Any], out: list[StreamEvent]) -> dict[str, Any]:
        response = obj.get("response") or {}
        if not self.started:
            self._started(obj, out)
        self._identify(response)
        self._reconcile_output(response.get("output") or (), out)
        usage = usage_from_responses(response.get("usage"))
        if usage is not None:
            out.append(UsageReported(usage=usage))
        self.finished = True
        return response

    def _reconcile_output(self, output: Any, out: list[StreamEvent]) -> None:
        # The terminal object fills in only categories the stream never delivered: servers
        # that rename items between events and the final object (OpenRouter's *_tmp_ ids)
        # must not get anything twice.
        had_text, had_reasoning, had_calls = self._any_text, self._any_reasoning, self._ncalls
        for n, item in enumerate(output):
            kind = item.get("type")
            if kind == "function_call" and not had_calls:
                self._item_added({"item": item, "output_index": n}, out)
            elif kind == "reasoning" and not had_reasoning:
                self._emit_reasoning_item(item, out)
            elif kind == "message":
                if not had_text:
                    for i, part in enumerate(item.get("content") or ()):
                        if part.get("type") == "output_text":
                            key = (item.get("id") or "", i)
                            self._emit_missing_text(key, part.get("text") or "", out)
                            self._part_annotations(key, part, out)
                self._emit_missing_refusal(item.get("content"), out)
            elif kind in SERVER_ITEMS:
                self._server_item(item, out)

    def _completed(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        self._terminal(obj, out)
        reason: FinishReason = "tool_calls" if self._ncalls else "stop"
        out.append(Finish(reason=reason, raw_reason=obj.get("type")))

    def _incomplete(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        response = self._terminal(obj, out)
        details = response.get("incomplete_details")
        # The documented shape is {"reason": ...}; a bare string says the same.
        raw = details.get("reason") if isinstance(details, dict) else details
        raw = raw if isinstance(raw, str) else None
        reason = _INCOMPLETE_REASONS.get(raw, "length") if raw else "length"
        out.append(Finish(reason=reason, raw_reason=raw))

    def _identify(self, response: dict[str, Any]) -> None:
        # A stream that started without response.created (resumed mid-way) learns its id
        # and model from the terminal object; the parser copies them into the result.
        if self.response_id is None:
            self.response_id = text(response.get("id"), "response.id")
        if self.model is None:
            self.model = text(response.get("model"), "response.model")

    def _failed(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        response = obj.get("response") or {}
        if not self.started:
            self._started(obj, out)
        self._identify(response)
        self.finished = True
        raise stream_error(response.get("error"), frame=obj, default="the response failed")

    def _error(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        raw = obj.get("error")
        self.finished = True
        # The documented ``error`` event carries code/message at the top level.
        error = raw if isinstance(raw, dict | str) else obj
        raise stream_error(error, frame=obj, default="the server reported an error")
