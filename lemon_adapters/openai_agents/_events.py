"""Normalized events -> the Responses stream events the Agents SDK's Runner consumes.

Whatever API answered (Responses, Chat Completions, Messages, Gemini), the Runner sees one event
vocabulary: ``response.created``; an ``output_item.added`` for each output item when it
first appears (a reasoning item, the assistant message, each function call), then its
deltas (reasoning summary text, output text, function-call arguments); at the finish an
``output_item.done`` per item and ``response.completed`` with the whole response and its
usage. Output items are numbered in order of first appearance, as the Responses API does.

The final items are built from the accumulated result (``Finish.result``), so text is
accumulated once, by the core. Delta events are built without validation by pydantic's own
``model_construct`` (:func:`_build`): the openai SDK's override of it walks every field's
type and costs about ten times as much per event (38 µs against 4 µs, measured); the
finished items are validated once.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseTextDeltaEvent,
    ResponseUsage,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_reasoning_summary_part_added_event import (
    Part as SummaryPart,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails
from pydantic import BaseModel

from lemon_adapters.core.events import (
    THINKING_BLOCKS,
    BlockDone,
    Finish,
    ReasoningDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)

from ._convert import PROVIDER

if TYPE_CHECKING:
    from collections.abc import Callable

    from agents.items import TResponseStreamEvent

    from lemon_adapters.core.wire.accumulate import StreamResult

#: The Messages API block types a reasoning item carries back (signatures, opaque data).
Slot = tuple[Literal["reasoning", "message", "call"], int]
M = TypeVar("M", bound=BaseModel)
_CONSTRUCT = BaseModel.model_construct.__func__  # type: ignore[attr-defined]


def _build(cls: type[M], **fields: Any) -> M:
    """``cls`` with ``fields`` as given, unvalidated (see the module docstring)."""
    built: M = _CONSTRUCT(cls, **fields)
    return built


def response_usage(usage: Usage) -> ResponseUsage:
    """The core's usage in the Responses API's shape (cache reads as ``cached_tokens``)."""
    return ResponseUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        input_tokens_details=InputTokensDetails(
            cached_tokens=usage.cached_tokens or 0,
            cache_write_tokens=usage.cache_creation_tokens or 0,
        ),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=usage.reasoning_tokens or 0),
    )


def _message() -> ResponseOutputMessage:
    return _build(
        ResponseOutputMessage,
        id="msg_0",
        content=[],
        role="assistant",
        status="in_progress",
        type="message",
    )


def _reasoning() -> ResponseReasoningItem:
    return _build(ResponseReasoningItem, id="rs_0", summary=[], type="reasoning")


def _keep_parts(items: list[Any], result: StreamResult) -> None:
    """A Gemini answer's parts (opaque), in the ``provider_data`` of its first output item:
    the SDK replays an item's ``provider_data`` with it (as it does for its own models),
    and the next request sends them back verbatim (each ``thoughtSignature`` on the part
    it came on, as Gemini 3 requires of function calls in a tool loop)."""
    if result.api == "gemini" and result.blocks and items:
        data = {"provider": PROVIDER, "gemini_parts": list(result.blocks)}
        items[0].provider_data = data


def _call(item_id: str, event: ToolCallDelta) -> ResponseFunctionToolCall:
    return _build(
        ResponseFunctionToolCall,
        id=item_id,
        call_id=event.id or "",
        name=event.name or "",
        arguments="",
        type="function_call",
        status="in_progress",
    )


class ResponsesEvents:
    """Translates one response's normalized events; :meth:`feed` once per event.

    Args:
        model: the model requested (the response names it until the server does).
    """

    def __init__(self, model: str) -> None:
        self._model = model
        self._seq = 0
        self._id = "resp_lemondata"
        self._created = time.time()
        self._slots: dict[Slot, int] = {}  # slot -> output index
        self._blocks: list[BlockDone] = []  # finished thinking blocks (Messages API)
        self._usage: Usage | None = None

    def feed(self, event: StreamEvent) -> list[TResponseStreamEvent]:
        """The Responses events for one normalized event."""
        kind = type(event)
        if kind is TextDelta:
            return self._text(event.text)  # type: ignore[union-attr]
        if kind is ToolCallDelta:
            return self._call(event)  # type: ignore[arg-type]
        if kind is ReasoningDelta:
            return self._reasoning(event.text)  # type: ignore[union-attr]
        if kind is ResponseStarted:
            assert isinstance(event, ResponseStarted)
            self._id = event.id or self._id
            self._model = event.model or self._model
            created = self._response([], None, "in_progress")
            return [self._event(ResponseCreatedEvent, response=created, type="response.created")]
        if kind is UsageReported:
            self._usage = event.usage  # type: ignore[union-attr]
        elif kind is BlockDone:
            assert isinstance(event, BlockDone)
            if event.type in THINKING_BLOCKS:
                self._blocks.append(event)  # its block kept opaque, handed back next turn
        elif kind is Finish:
            assert isinstance(event, Finish)
            if event.result is None:  # the parser attaches it to every Finish it hands out
                raise ValueError("a Finish event without its result (not from StreamParser)")
            return self._finish(event.result)
        return []

    # -- deltas ---------------------------------------------------------------------------

    def _event(self, cls: Any, **fields: Any) -> Any:
        event = _build(cls, sequence_number=self._seq, **fields)
        self._seq += 1
        return event

    def _open(self, slot: Slot, item: Callable[[], Any]) -> tuple[int, list[Any]]:
        """The slot's output index, and its ``output_item.added`` event if it is new."""
        index = self._slots.get(slot)
        if index is not None:
            return index, []
        index = self._slots[slot] = len(self._slots)
        added = self._event(
            ResponseOutputItemAddedEvent,
            item=item(),
            output_index=index,
            type="response.output_item.added",
        )
        return index, [added]

    def _text(self, text: str) -> list[Any]:
        index, out = self._open(("message", 0), _message)
        if out:
            part = _build(
                ResponseOutputText, text="", annotations=[], type="output_text", logprobs=[]
            )
            out.append(
                self._event(
                    ResponseContentPartAddedEvent,
                    content_index=0,
                    item_id="msg_0",
                    output_index=index,
                    part=part,
                    type="response.content_part.added",
                )
            )
        out.append(
            self._event(
                ResponseTextDeltaEvent,
                content_index=0,
                delta=text,
                item_id="msg_0",
                logprobs=[],
                output_index=index,
                type="response.output_text.delta",
            )
        )
        return out

    def _reasoning(self, text: str) -> list[Any]:
        index, out = self._open(("reasoning", 0), _reasoning)
        if out:
            part = _build(SummaryPart, text="", type="summary_text")
            out.append(
                self._event(
                    ResponseReasoningSummaryPartAddedEvent,
                    item_id="rs_0",
                    output_index=index,
                    part=part,
                    summary_index=0,
                    type="response.reasoning_summary_part.added",
                )
            )
        out.append(
            self._event(
                ResponseReasoningSummaryTextDeltaEvent,
                delta=text,
                item_id="rs_0",
                output_index=index,
                summary_index=0,
                type="response.reasoning_summary_text.delta",
            )
        )
        return out

    def _call(self, event: ToolCallDelta) -> list[Any]:
        item_id = f"fc_{event.index}"
        index, out = self._open(("call", event.index), lambda: _call(item_id, event))
        if event.arguments:
            out.append(
                self._event(
                    ResponseFunctionCallArgumentsDeltaEvent,
                    delta=event.arguments,
                    item_id=item_id,
                    output_index=index,
                    type="response.function_call_arguments.delta",
                )
            )
        return out

    # -- the end --------------------------------------------------------------------------

    def _finish(self, result: StreamResult) -> list[Any]:
        if result.api == "gemini":
            self._blocks = []  # Gemini's signed parts go back whole (see _keep_parts)
        items = self._items(result)
        _keep_parts(items, result)
        out = [
            self._event(
                ResponseOutputItemDoneEvent,
                item=item,
                output_index=index,
                type="response.output_item.done",
            )
            for index, item in enumerate(items)
        ]
        usage = response_usage(self._usage) if self._usage is not None else None
        final = self._response(items, usage, "completed")
        out.append(self._event(ResponseCompletedEvent, response=final, type="response.completed"))
        return out

    def _items(self, result: StreamResult) -> list[Any]:
        """The finished output items, in the order they first appeared."""
        if result.refusal and ("message", 0) not in self._slots:
            self._slots[("message", 0)] = len(self._slots)
        if (result.blocks and self._blocks) and ("reasoning", 0) not in self._slots:
            self._slots[("reasoning", 0)] = len(self._slots)  # signature-only thinking
        built: dict[Slot, Any] = {}
        for slot in self._slots:
            kind, n = slot
            if kind == "reasoning":
                built[slot] = self._reasoning_item(result)
            elif kind == "message":
                content: list[Any] = []
                if result.text:
                    content.append(
                        ResponseOutputText(
                            text=result.text, annotations=[], type="output_text", logprobs=[]
                        )
                    )
                if result.refusal:
                    content.append(ResponseOutputRefusal(refusal=result.refusal, type="refusal"))
                built[slot] = ResponseOutputMessage(
                    id="msg_0",
                    content=content,
                    role="assistant",
                    status="completed",
                    type="message",
                )
            else:
                call = next(c for c in result.tool_calls if c.index == n)
                built[slot] = ResponseFunctionToolCall(
                    id=f"fc_{n}",
                    call_id=call.id or "",
                    name=call.name or "",
                    arguments=call.arguments,
                    type="function_call",
                    status="completed",
                )
        return [built[slot] for slot in sorted(built, key=self._slots.__getitem__)]

    def _reasoning_item(self, result: StreamResult) -> ResponseReasoningItem:
        summary = [Summary(text=result.reasoning, type="summary_text")] if result.reasoning else []
        item = ResponseReasoningItem(id="rs_0", summary=summary, type="reasoning")
        if self._blocks:
            signatures = [b.signature or b.data or "" for b in self._blocks]
            item.encrypted_content = "\n".join(signatures)
            blocks = [b.block for b in self._blocks]
            # The SDK replays an item's provider_data with it (as its own models do).
            item.provider_data = {"provider": PROVIDER, "thinking_blocks": blocks}  # type: ignore[attr-defined]
        return item

    def _response(
        self,
        output: list[Any],
        usage: ResponseUsage | None,
        status: Literal["in_progress", "completed"],
    ) -> Response:
        return _build(
            Response,
            id=self._id,
            created_at=self._created,
            model=self._model,
            object="response",
            output=output,
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            usage=usage,
            status=status,
        )
