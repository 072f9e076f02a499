"""Every real recorded stream (``tests/recordings/wire`` and ``messages/wire``) through
``LemonDataModel.request_stream``, served in 7-byte pieces by an injected client.

The response pydantic-ai's parts manager builds must hold exactly what the core parses
from the same body: the text, the reasoning (with the Messages API's signatures on the
thinking parts), the tool calls with their ids and raw arguments, the usage; a stream the
core fails on must fail as a pydantic-ai model error with the core's typed error as cause.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic_ai.exceptions import ModelAPIError
from pydantic_ai.messages import ModelRequest, TextPart, ThinkingPart, ToolCallPart, UserPromptPart
from pydantic_ai.models import ModelRequestParameters

from lemon_adapters import LemonDataError
from lemon_adapters.pydantic_ai import LemonDataModel
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


@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
async def test_recorded_stream_through_the_parts_manager(entry: dict[str, Any]) -> None:
    body = entry["path"].read_bytes()
    model = _model(entry, body)
    messages: list[Any] = [ModelRequest(parts=[UserPromptPart(content="replay")])]
    expected = parse_body(entry["api"], body)
    try:
        async with model.request_stream(messages, None, ModelRequestParameters()) as stream:
            async for _ in stream:
                pass
        response = stream.get()
    except ModelAPIError as exc:
        assert expected.failure is not None, f"the adapter failed where the core did not: {exc}"
        assert isinstance(exc.__cause__, LemonDataError)
        return
    assert expected.failure is None
    result = expected.result
    parts = response.parts
    assert "".join(p.content for p in parts if isinstance(p, TextPart)) == result.text
    thinking = [p for p in parts if isinstance(p, ThinkingPart)]
    assert "".join(p.content for p in thinking) == result.reasoning
    signed = [b for b in result.blocks if b["type"] in ("thinking", "redacted_thinking")]
    assert [p.signature for p in thinking if p.signature] == [
        b.get("signature") or b.get("data") for b in signed
    ]
    calls = [(p.tool_call_id, p.tool_name, p.args) for p in parts if isinstance(p, ToolCallPart)]
    assert [(i or None, n, a or "") for i, n, a in calls] == [
        (c.id, c.name, c.arguments) for c in result.tool_calls
    ]
    usage = result.usage
    if usage is not None:
        got = (response.usage.input_tokens, response.usage.output_tokens)
        assert got == (usage.input_tokens, usage.output_tokens)
        assert response.usage.cache_read_tokens == (usage.cached_tokens or 0)
        assert response.usage.cache_write_tokens == (usage.cache_creation_tokens or 0)
    assert response.provider_details is not None
    assert response.provider_details.get("finish_reason") == result.raw_finish_reason
