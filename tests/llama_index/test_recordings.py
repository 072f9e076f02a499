"""Every real recorded stream (``tests/recordings/wire`` and ``messages/wire``) through
``LemonData``.

The recorded bytes are served by an ``httpx.MockTransport`` (an injected client) in small
pieces; the chunks LlamaIndex would see must keep the streaming contract on each step and
end in exactly what the core parses from the same body, or fail with the core's typed
error whose ``partial`` matches the last chunk.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock, ToolCallBlock

from lemon_adapters import LemonDataError
from lemon_adapters.llama_index import LemonData
from tests.parsing import parse_body

from ..conftest import RECORDINGS

STREAMS = [
    {**entry, "path": RECORDINGS / folder / entry["file"]}
    for folder in ("wire", "messages/wire")
    for entry in json.loads((RECORDINGS / folder / "index.json").read_text())
    if entry["stream"] and entry["status"] == 200
]


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body in 7-byte pieces, so events and UTF-8 characters straddle reads."""

    def __init__(self, body: bytes) -> None:
        self._pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece


def _llm(entry: dict[str, Any]) -> LemonData:
    body = entry["path"].read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Pieces(body)
        )

    transport = httpx.MockTransport(handler)
    return LemonData(
        model="recorded",
        api=entry["api"],
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )


def _state(chunk: ChatResponse) -> tuple[str, str, list[tuple[Any, str, Any]]]:
    message = chunk.message
    thinking = "".join(b.content or "" for b in message.blocks if isinstance(b, ThinkingBlock))
    calls = [
        (b.tool_call_id, b.tool_name, b.tool_kwargs)
        for b in message.blocks
        if isinstance(b, ToolCallBlock)
    ]
    return message.content or "", thinking, calls


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"] for e in STREAMS])
def test_recorded_stream_through_llama_index(entry: dict[str, Any], mode: str) -> None:
    llm = _llm(entry)
    messages = [ChatMessage(role="user", content="replay")]
    chunks: list[ChatResponse] = []

    async def consume_async() -> None:
        async for chunk in await llm.astream_chat(messages):
            chunks.append(chunk)

    def consume_sync() -> None:
        chunks.extend(llm.stream_chat(messages))

    error: LemonDataError | None = None
    try:
        consume_sync() if mode == "sync" else asyncio.run(consume_async())
    except LemonDataError as exc:
        error = exc

    text = thinking = ""
    for n, chunk in enumerate(chunks):
        text += chunk.delta or ""
        thinking += chunk.additional_kwargs.get("thinking_delta", "")
        content, shown_thinking, calls = _state(chunk)
        assert content == text
        if n < len(chunks) - 1 or error is not None:  # the last one: per signed block below
            assert shown_thinking == thinking
        listed = chunk.message.additional_kwargs.get("tool_calls", [])
        assert [
            (t["id"], t["function"]["name"], t["function"]["arguments"]) for t in listed
        ] == calls

    expected = parse_body(entry["api"], entry["path"].read_bytes())
    result = expected.result
    if error is not None:
        assert expected.failure is not None, f"adapter failed where the core did not: {error}"
        assert error.partial is not None
        result = error.partial
    else:
        assert expected.failure is None
        assert chunks, "a finished stream yields at least its final chunk"
        final = chunks[-1]
        assert final.raw["finish_reason"] == result.finish_reason
        usage = result.usage
        reported = final.raw["usage"] and dict(final.raw["usage"])
        if reported:  # usage as billed: the iterations, when the wire listed them
            iterations = reported.pop("iterations", [])
            assert [(i["type"], i["model"]) for i in iterations] == [
                (i.type, i.model)
                for i in usage.iterations  # type: ignore[union-attr]
            ]
            assert reported.pop("other_models", {}).keys() == usage.other_models.keys()  # type: ignore[union-attr]
        assert reported == (
            None
            if usage is None
            else {
                "prompt_tokens": usage.input_tokens,
                "completion_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens,
                "cached_tokens": usage.cached_tokens,
                "cache_creation_tokens": usage.cache_creation_tokens,
                "reasoning_tokens": usage.reasoning_tokens,
            }
        )
    content, shown_thinking, calls = _state(chunks[-1]) if chunks else ("", "", [])
    assert content == result.text + result.refusal
    signed = [b for b in result.blocks if b["type"] in ("thinking", "redacted_thinking")]
    if signed and error is None:  # Messages API: one ThinkingBlock per signed block
        blocks = [b for b in chunks[-1].message.blocks if isinstance(b, ThinkingBlock)]
        assert [b.content or "" for b in blocks] == [s.get("thinking", "") for s in signed]
        assert [b.additional_information.get("signature") for b in blocks] == [
            s.get("signature") for s in signed
        ]
    else:
        assert shown_thinking == result.reasoning
    assert calls == [(c.id, c.name or "", c.arguments) for c in result.tool_calls]


LOOPS = {
    "msg__anthropic_claude-sonnet-4__thinking+tool-loop-signature-replay__fantasy": "40 C",
    "msg__anthropic_claude-haiku-4.5__thinking+zero-arg-tool-loop__llm-anthropic": "0.32a0",
}


@pytest.mark.parametrize("name", list(LOOPS))
# LlamaIndex's workflow machinery reads pydantic's deprecated ``__fields__`` (not ours).
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
def test_a_function_agent_replays_the_signed_thinking_block(name: str) -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    wire = RECORDINGS / "messages" / "wire"
    index = {e["file"]: e for e in json.loads((wire / "index.json").read_text())}
    first, second = index[f"{name}__0.body"], index[f"{name}__1.body"]
    bodies = [(wire / first["file"]).read_bytes(), (wire / second["file"]).read_bytes()]
    first_request, second_request = (
        json.loads(first["request_body"]),
        json.loads(second["request_body"]),
    )
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        body = bodies[min(len(sent), 2) - 1]
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Pieces(body)
        )

    def weather(location: str) -> str:
        """Get weather information for a location."""
        return "40 C"

    def fixed_version() -> str:
        """Return a fixed test version string."""
        return "0.32a0"

    llm = LemonData(
        model=first_request["model"],
        api="messages",
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_tokens=first_request["max_tokens"],
        additional_kwargs={"thinking": first_request["thinking"]},
        async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    tool = weather if "fantasy" in name else fixed_version
    agent = FunctionAgent(tools=[tool], llm=llm)
    prompt = first_request["messages"][0]["content"][0]["text"]

    async def run() -> Any:
        return await agent.run(prompt)

    answer = asyncio.run(run())
    assert len(sent) == 2
    recorded = [b for b in second_request["messages"][1]["content"] if b["type"] == "thinking"]
    replayed = [b for b in sent[1]["messages"][1]["content"] if b["type"] == "thinking"]
    assert replayed == recorded  # the block, signature included, unchanged
    result_block = sent[1]["messages"][-1]["content"][0]
    assert result_block["type"] == "tool_result" and LOOPS[name] in json.dumps(result_block)
    assert str(answer)


def test_a_tool_call_cut_by_the_output_limit_is_not_run(caplog: pytest.LogCaptureFixture) -> None:
    name = "msg__anthropic_claude-3.7-sonnet__max_tokens-mid-tool-json__anthropic-sdk-python__0"
    entry = next(e for e in STREAMS if e["file"] == f"{name}.body")
    llm = _llm(entry)
    chunks = list(llm.stream_chat([ChatMessage(role="user", content="replay")]))
    final = chunks[-1]
    assert final.raw is not None and final.raw["finish_reason"] == "length"
    assert [b for b in final.message.blocks if isinstance(b, ToolCallBlock)]  # still shown
    assert llm.get_tool_calls_from_response(chunks[-2], error_on_no_tool_call=False)  # partial
    assert llm.get_tool_calls_from_response(final, error_on_no_tool_call=False) == []
    assert "cut by the output limit" in caplog.text
