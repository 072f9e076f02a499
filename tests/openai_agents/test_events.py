"""The event -> Responses events translation on its own (pure), fed event by event."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.events import (
    BlockDone,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)
from lemon_adapters.core.wire.accumulate import StreamResult, ToolCall
from lemon_adapters.openai_agents._events import ResponsesEvents


def _feed(events: list[StreamEvent]) -> list[Any]:
    translator = ResponsesEvents("m")
    return [out for event in events for out in translator.feed(event)]


def test_items_in_order_of_appearance_with_the_thinking_blocks_kept() -> None:
    block = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    result = StreamResult(
        text="done",
        reasoning="hmm",
        tool_calls=[
            ToolCall(index=0, id="call_1", name="add", arguments='{"a": 1}', args={"a": 1})
        ],
        blocks=[block],
    )
    usage = Usage(input_tokens=9, output_tokens=4, total_tokens=13, cached_tokens=2)
    out = _feed(
        [
            ResponseStarted(id="msg_x", model="claude-x"),
            ReasoningDelta(text="hmm"),
            BlockDone(index=0, block=block, type="thinking", signature="sig"),
            ToolCallDelta(index=0, id="call_1", name="add", arguments='{"a": 1}'),
            TextDelta(text="done"),
            UsageReported(usage=usage),
            Finish(reason="tool_calls", raw_reason="tool_use", result=result),
        ]
    )
    assert [e.type for e in out] == [
        "response.created",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_item.done",
        "response.output_item.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = out[-1].response
    assert (final.id, final.model) == ("msg_x", "claude-x")
    reasoning, call, message = final.output
    assert reasoning.encrypted_content == "sig"
    assert reasoning.provider_data == {"provider": "lemondata", "thinking_blocks": [block]}
    assert (call.call_id, call.name, call.arguments) == ("call_1", "add", '{"a": 1}')
    assert message.content[0].text == "done"
    assert (final.usage.input_tokens, final.usage.input_tokens_details.cached_tokens) == (9, 2)


def test_a_refusal_is_a_refusal_part_of_the_message() -> None:
    out = _feed(
        [
            RefusalDelta(text="no"),
            Finish(reason="stop", raw_reason="stop", result=StreamResult(refusal="no")),
        ]
    )
    (message,) = out[-1].response.output
    assert message.content[0].type == "refusal" and message.content[0].refusal == "no"
    assert out[-1].response.usage is None
