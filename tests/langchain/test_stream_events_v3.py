"""Every recorded Messages stream through ``stream_events(version="v3")``: the assembled
message holds what the core parses from the same bytes (text, reasoning, tool calls,
usage as billed, server tools and citations)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import pytest

from lemon_adapters.langchain import ChatLemonData
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying
from tests.parsing import parse_body

WIRE = RECORDINGS / "messages" / "wire"
STREAMS = [
    e for e in json.loads((WIRE / "index.json").read_text()) if e["stream"] and e["status"] == 200
]


def test_all_34_recorded_streams_are_here() -> None:
    assert len(STREAMS) == 34


@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
def test_v3_output_is_the_core_reading(entry: dict[str, Any]) -> None:
    body = (WIRE / entry["file"]).read_bytes()
    result = parse_body("messages", body).result
    llm = ChatLemonData(
        model="recorded",
        api="messages",
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=replaying([body], [])),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # v3 is in beta: LangChainBetaWarning
        output = llm.stream_events("replay", version="v3").output
    blocks: list[dict[str, Any]] = [b for b in output.content if isinstance(b, dict)]
    assert "".join(b["text"] for b in blocks if b["type"] == "text") == result.text
    reasoning = "".join(b.get("reasoning", "") for b in blocks if b["type"] == "reasoning")
    assert reasoning.replace("\n", "") == result.reasoning.replace("\n", "")
    complete = [c for c in result.tool_calls if c.args is not None]
    assert [(c["name"], c["args"]) for c in output.tool_calls] == [
        (c.name, c.args) for c in complete
    ]
    usage = result.usage
    assert output.usage_metadata is not None and usage is not None
    assert (output.usage_metadata["input_tokens"], output.usage_metadata["output_tokens"]) == (
        usage.input_tokens,
        usage.output_tokens,
    )
    calls = [b for b in blocks if b["type"] == "server_tool_call"]
    assert [c["id"] for c in calls] == [c.id for c in result.server_tool_calls]
    results = [b for b in blocks if b["type"] == "server_tool_result"]
    assert [r["tool_call_id"] for r in results] == [r.call_id for r in result.server_tool_results]
    cited = [a["url"] for b in blocks if b["type"] == "text" for a in b.get("annotations", [])]
    assert cited == [c.url for c in result.citations]
