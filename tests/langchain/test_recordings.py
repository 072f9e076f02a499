"""Every real recorded stream through ``ChatLemonData``, and the recorded thinking-with-tools
loops through a LangGraph agent.

The recorded bytes are served in 7-byte pieces by an ``httpx.MockTransport``; the merged
chunks must hold exactly what the core parses from the same body (or fail with its typed
error). The two Messages API tool loops recorded with extended thinking replay their first
answer, run the tool, and the agent's second request must send the thinking block back
exactly as the first answer gave it, signature included, as the recorded second request
did.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool

from lemon_adapters import LemonDataError
from lemon_adapters.langchain import ChatLemonData
from tests.parsing import parse_body

from ..conftest import RECORDINGS

STREAMS = [
    {**entry, "path": RECORDINGS / folder / entry["file"]}
    for folder in ("wire", "messages/wire")
    for entry in json.loads((RECORDINGS / folder / "index.json").read_text())
    if entry["stream"] and entry["status"] == 200
]


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def replaying(bodies: list[bytes], sent: list[dict[str, Any]]) -> httpx.MockTransport:
    """Answers the n-th request with the n-th body; records each request's JSON."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        body = bodies[min(len(sent), len(bodies)) - 1]
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Pieces(body)
        )

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
def test_recorded_stream_through_langchain(entry: dict[str, Any]) -> None:
    body = entry["path"].read_bytes()
    sent: list[dict[str, Any]] = []
    llm = ChatLemonData(
        model="recorded",
        api=entry["api"],
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=replaying([body], sent)),
    )
    full: AIMessageChunk | None = None
    error: LemonDataError | None = None
    try:
        for chunk in llm.stream("replay"):
            full = chunk if full is None else full + chunk
    except LemonDataError as exc:
        error = exc
    expected = parse_body(entry["api"], body)
    if error is not None:
        assert expected.failure is not None, f"the adapter failed where the core did not: {error}"
        assert error.partial is not None and error.partial.text == expected.result.text
        return
    assert expected.failure is None and full is not None
    result = expected.result
    assert full.text == result.text
    assert full.additional_kwargs.get("reasoning_content", "") == result.reasoning
    calls = [(c["id"], c["name"], c["args"]) for c in full.tool_calls]
    assert calls == [(c.id, c.name, c.args) for c in result.tool_calls if c.args is not None]
    # A call the output limit cut stays invalid, never half-parsed (its arguments end in an
    # unmatched closing mark, see last_chunk); it runs nowhere.
    cut = [c for c in result.tool_calls if c.args is None]
    assert [(c["id"], c["name"]) for c in full.invalid_tool_calls] == [(c.id, c.name) for c in cut]
    for lc_call, call in zip(full.invalid_tool_calls, cut, strict=True):
        assert (lc_call["args"] or "").startswith(call.arguments)
    usage = result.usage
    if usage is None:
        assert full.usage_metadata is None
    else:
        assert full.usage_metadata is not None
        assert (full.usage_metadata["input_tokens"], full.usage_metadata["output_tokens"]) == (
            usage.input_tokens,
            usage.output_tokens,
        )
    assert full.response_metadata["finish_reason"] == result.finish_reason
    signed = [b for b in result.blocks if b["type"] in ("thinking", "redacted_thinking")]
    assert full.additional_kwargs.get("thinking_blocks", []) == signed


LOOPS = {
    "msg__anthropic_claude-sonnet-4__thinking+tool-loop-signature-replay__fantasy": "40 C",
    "msg__anthropic_claude-haiku-4.5__thinking+zero-arg-tool-loop__llm-anthropic": "0.32a0",
}


def _loop(name: str) -> tuple[list[bytes], dict[str, Any], dict[str, Any]]:
    wire = RECORDINGS / "messages" / "wire"
    index = {e["file"]: e for e in json.loads((wire / "index.json").read_text())}
    first, second = index[f"{name}__0.body"], index[f"{name}__1.body"]
    bodies = [(wire / first["file"]).read_bytes(), (wire / second["file"]).read_bytes()]
    return bodies, json.loads(first["request_body"]), json.loads(second["request_body"])


@pytest.mark.parametrize("name", list(LOOPS))
def test_a_langgraph_agent_replays_the_signed_thinking_block(name: str) -> None:
    from langchain.agents import create_agent

    bodies, first_request, second_request = _loop(name)
    sent: list[dict[str, Any]] = []

    @tool
    def weather(location: str) -> str:
        """Get weather information for a location."""
        return "40 C"

    @tool
    def fixed_version() -> str:
        """Return a fixed test version string."""
        return "0.32a0"

    llm = ChatLemonData(
        model=first_request["model"],
        api="messages",
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        thinking=first_request["thinking"],
        max_tokens=first_request["max_tokens"],
        http_client=httpx.Client(transport=replaying(bodies, sent)),
    )
    tools = [weather] if "weather" in name or "fantasy" in name else [fixed_version]
    agent = create_agent(llm, tools)
    prompt = first_request["messages"][0]["content"][0]["text"]
    state = agent.invoke({"messages": [{"role": "user", "content": prompt}]})
    assert len(sent) == 2
    recorded_assistant = second_request["messages"][1]["content"]
    sent_assistant = sent[1]["messages"][1]["content"]
    recorded_thinking = [b for b in recorded_assistant if b["type"] == "thinking"]
    sent_thinking = [b for b in sent_assistant if b["type"] == "thinking"]
    assert sent_thinking == recorded_thinking  # the block, signature included, unchanged
    assert sent_assistant[0]["type"] == "thinking"  # first in its turn, as the API requires
    call = next(b for b in sent_assistant if b["type"] == "tool_use")
    recorded_call = next(b for b in recorded_assistant if b["type"] == "tool_use")
    assert (call["id"], call["name"], call["input"]) == (
        recorded_call["id"],
        recorded_call["name"],
        recorded_call["input"],
    )
    result_block = sent[1]["messages"][2]["content"][0]
    assert result_block["type"] == "tool_result" and result_block["tool_use_id"] == call["id"]
    assert LOOPS[name] in json.dumps(result_block)
    assert state["messages"][-1].text  # the recorded final answer came through
