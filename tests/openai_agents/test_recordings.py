"""Every real recorded stream (``tests/recordings/wire`` and ``messages/wire``) through
``LemonDataModel.stream_response``, served in 7-byte pieces by an injected client.

Whatever API the recording is from, the events must be the Responses stream the Runner
reads: ``response.created`` first, ``response.completed`` last, sequence numbers in order,
every output item added before its deltas and done at the end; the deltas add up to the
final items, and the final items hold exactly what the core parses from the same body. A
stream the core fails on raises the core's typed error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from agents import ModelSettings
from agents.models.interface import ModelTracing
from openai.types.responses import ResponseCompletedEvent, ResponseCreatedEvent

from lemon_adapters import LemonDataError
from lemon_adapters.openai_agents import LemonDataModel
from tests.parsing import parse_body

from ..conftest import RECORDINGS

STREAMS = [
    {**entry, "path": RECORDINGS / folder / entry["file"]}
    for folder in ("wire", "messages/wire")
    for entry in json.loads((RECORDINGS / folder / "index.json").read_text())
    if entry["stream"] and entry["status"] == 200
]


class _Pieces(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def _model(entry: dict[str, Any], body: bytes) -> LemonDataModel:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Pieces(body)
        )

    return LemonDataModel(
        "recorded",
        api=entry["api"],
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )


async def _events(model: LemonDataModel) -> list[Any]:
    stream = model.stream_response(
        None,
        "replay",
        ModelSettings(),
        [],
        None,
        [],
        ModelTracing.DISABLED,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    )
    return [event async for event in stream]


def _deltas(events: list[Any], kind: str, item_id: str) -> str:
    return "".join(e.delta for e in events if e.type == kind and e.item_id == item_id)


@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
async def test_recorded_stream_as_responses_events(entry: dict[str, Any]) -> None:
    body = entry["path"].read_bytes()
    expected = parse_body(entry["api"], body)
    try:
        events = await _events(_model(entry, body))
    except LemonDataError:
        assert expected.failure is not None
        return
    assert expected.failure is None
    assert isinstance(events[0], ResponseCreatedEvent)
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    added = [e.output_index for e in events if e.type == "response.output_item.added"]
    done = [e.output_index for e in events if e.type == "response.output_item.done"]
    assert added == list(range(len(added))) and done == list(range(len(done)))
    result = expected.result
    output = events[-1].response.output
    text = [
        p.text for i in output if i.type == "message" for p in i.content if p.type == "output_text"
    ]
    assert "".join(text) == result.text == _deltas(events, "response.output_text.delta", "msg_0")
    reasoning = [s.text for i in output if i.type == "reasoning" for s in i.summary]
    assert "".join(reasoning) == result.reasoning
    assert _deltas(events, "response.reasoning_summary_text.delta", "rs_0") == result.reasoning
    calls = [i for i in output if i.type == "function_call"]
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [
        (c.id or "", c.name or "", c.arguments) for c in result.tool_calls
    ]
    for call in calls:
        arguments = _deltas(events, "response.function_call_arguments.delta", call.id)
        assert arguments == call.arguments
    signed = [b for b in result.blocks if b["type"] in ("thinking", "redacted_thinking")]
    kept = [
        b
        for i in output
        if i.type == "reasoning"
        for b in getattr(i, "provider_data", {}).get("thinking_blocks", [])
    ]
    assert kept == signed  # as the next turn sends them back
    usage = events[-1].response.usage
    if result.usage is None:
        assert usage is None
    else:
        assert (usage.input_tokens, usage.output_tokens) == (
            result.usage.input_tokens,
            result.usage.output_tokens,
        )
