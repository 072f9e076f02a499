"""The event -> parts mapping on its own (pure): the core's events fed one by one, including
the ones only some routes emit (server tools, typed finished blocks, refusals)."""

from __future__ import annotations

from typing import Any

from pydantic_ai.messages import (
    NativeToolCallPart,
    NativeToolReturnPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
)
from pydantic_ai.models import ModelRequestParameters

from lemon_adapters.core.events import (
    BlockDone,
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
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.pydantic_ai._stream import LemonStreamedResponse


def _response(events: list[StreamEvent], result: StreamResult | None = None) -> Any:
    streamed = LemonStreamedResponse(
        model_request_parameters=ModelRequestParameters(),
        _model_name="m",
        _stream=None,  # type: ignore[arg-type]  # Finish carries the result here
        _first=None,
        _provider_url="http://127.0.0.1/v1",
    )
    for event in events:
        list(streamed.feed(event))
    return streamed.get()


def test_text_thinking_text_stay_three_parts_in_order() -> None:
    response = _response(
        [
            ResponseStarted(id="resp_1", model="claude-x"),
            TextDelta(text="a"),
            ReasoningDelta(text="think"),
            BlockDone(index=1, block={}, type="thinking", signature="sig-1"),
            TextDelta(text="b"),
            Finish(reason="stop", raw_reason="end_turn", result=StreamResult(request_id="r1")),
        ]
    )
    parts = response.parts
    assert [type(p) for p in parts] == [TextPart, ThinkingPart, TextPart]
    assert (parts[1].content, parts[1].signature, parts[1].provider_name) == (
        "think",
        "sig-1",
        "lemondata",
    )
    assert (response.model_name, response.provider_response_id) == ("claude-x", "resp_1")
    assert response.finish_reason == "stop"
    assert response.provider_details == {"finish_reason": "end_turn", "request_id": "r1"}


def test_redacted_thinking_and_tool_calls() -> None:
    response = _response(
        [
            BlockDone(index=0, block={}, type="redacted_thinking", data="opaque"),
            ToolCallDelta(index=0, id="call_1", name="add", arguments='{"a":'),
            ToolCallDelta(index=1, id="call_2", name="mul", arguments="{}"),
            ToolCallDelta(index=0, id=None, name=None, arguments=" 1}"),
            UsageReported(
                usage=Usage(
                    input_tokens=10,
                    output_tokens=5,
                    total_tokens=15,
                    cached_tokens=4,
                    cache_creation_tokens=3,
                    reasoning_tokens=2,
                )
            ),
            Finish(reason="tool_calls", raw_reason="tool_use", result=StreamResult()),
        ]
    )
    redacted, first, second = response.parts
    assert (redacted.id, redacted.signature, redacted.content) == (
        "redacted_thinking",
        "opaque",
        "",
    )
    assert isinstance(first, ToolCallPart) and isinstance(second, ToolCallPart)
    assert (first.tool_call_id, first.tool_name, first.args) == ("call_1", "add", '{"a": 1}')
    assert (second.tool_call_id, second.tool_name) == ("call_2", "mul")
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens) == (10, 5)
    assert (usage.cache_read_tokens, usage.cache_write_tokens) == (4, 3)
    assert usage.details == {"reasoning_tokens": 2}
    assert response.finish_reason == "tool_call"


def test_server_tools_become_native_tool_parts() -> None:
    response = _response(
        [
            ServerToolCall(
                id="srv_1", name="web_search", arguments={"query": "lemons"}, provider_type="x"
            ),
            ServerToolResult(
                call_id="srv_1",
                name="web_search",
                status="completed",
                output=[1],
                provider_type="x",
            ),
            TextDelta(text="Lemons are yellow."),
            Finish(reason="stop", raw_reason=None, result=StreamResult()),
        ]
    )
    call, result, text = response.parts
    assert isinstance(call, NativeToolCallPart) and call.args == {"query": "lemons"}
    assert isinstance(result, NativeToolReturnPart) and result.content == [1]
    assert call.tool_call_id == result.tool_call_id == "srv_1"
    assert isinstance(text, TextPart)


def test_a_refusal_is_a_content_filter_finish() -> None:
    response = _response(
        [
            RefusalDelta(text="I can't."),
            Finish(reason="stop", raw_reason="stop", result=StreamResult(refusal="I can't.")),
        ]
    )
    assert response.finish_reason == "content_filter"
    assert response.provider_details["refusal"] == "I can't."
