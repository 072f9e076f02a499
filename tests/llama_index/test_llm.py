"""LemonData as a LlamaIndex LLM: the eight entry points, the streaming contract, tools,
errors, conversion and metadata. Sync and async share bodies; both APIs throughout."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.tools import FunctionTool

from lemon_adapters import (
    ConfigurationError,
    IncompleteStreamError,
    LemonDataError,
    NotFoundError,
)
from lemon_adapters.core.request.build import build_body
from lemon_adapters.llama_index import DEFAULT_CONTEXT_WINDOW, LemonData, context_window_for
from lemon_adapters.llama_index._convert import to_neutral_messages
from lemon_adapters.testing.server import Reply, render_chat, render_responses

from . import scenarios
from .conftest import Served

KEY = "sk-test-key-123456"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def rich_responder(api: str, body: dict[str, Any]) -> Reply:
    """Reasoning, text and two tool calls in one streamed answer."""
    return Reply(
        reasoning="Think about lemons first.",
        text="Calling both tools now.",
        tool_calls=[("add", '{"a": 3, "b": 4}'), ("multiply", '{"a": 7, "b": 5}')],
        chunk_chars=3,
        input_tokens=scenarios.INPUT_TOKENS,
    )


def text_responder(api: str, body: dict[str, Any]) -> Reply:
    """Echo the model name and the last user text, streamed in small pieces."""
    messages, _ = scenarios.neutral_view(api, body)
    last = [m for m in messages if m.get("role") == "user"][-1]["content"]
    if isinstance(last, list):
        last = " ".join(p.get("text", "") for p in last)
    if body["model"].startswith("error-"):
        from lemon_adapters.testing.server import error_reply

        return error_reply(int(body["model"][6:]), body["model"])
    return Reply(text=f"{body['model']} heard: {last}", chunk_chars=4, input_tokens=77)


def run(mode: str, fn: Callable[[], Any]) -> Any:
    """Call a sync entry point directly, or await an async one on a fresh loop."""
    if mode == "sync":
        return fn()
    return asyncio.run(fn())


# -- metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "window"),
    [
        ("gpt-4o-mini", 128_000),
        ("gpt-4.1-mini", 1_047_576),
        ("gpt-5", 272_000),  # input tokens; 400k counts the output too
        ("openai/gpt-5-mini", 272_000),
        ("o3-mini", 200_000),
        ("claude-sonnet-4-5", 200_000),
        ("Claude-3-5-Haiku", 200_000),
        ("gemini-2.5-pro", 1_048_576),
        ("deepseek-reasoner", 1_000_000),  # the alias now serves the V4 generation
        ("qwen3-max", 262_144),
        ("llama-3.3-70b-instruct", 128_000),
        ("meta-llama/llama-3-8b", DEFAULT_CONTEXT_WINDOW),  # no row: nothing claimed
        ("mistral-large-latest", 262_144),
        ("grok-4", 256_000),
        ("totally-new-model-2030", DEFAULT_CONTEXT_WINDOW),
        ("", DEFAULT_CONTEXT_WINDOW),
    ],
)
def test_context_window_table(model: str, window: int) -> None:
    assert context_window_for(model) == window
    assert LemonData(model=model or "x", api_key=KEY).metadata.context_window == (
        window if model else DEFAULT_CONTEXT_WINDOW
    )


def test_metadata_is_local_and_agent_ready() -> None:
    # No key and an unreachable URL: metadata must neither raise nor send anything.
    llm = LemonData(model="whatever-2", base_url="http://127.0.0.1:9/v1")
    meta = llm.metadata
    assert meta.is_chat_model and meta.is_function_calling_model
    assert meta.model_name == "whatever-2"
    assert meta.context_window == DEFAULT_CONTEXT_WINDOW > 3900
    assert LemonData(model="gpt-4o", context_window=5000).metadata.context_window == 5000
    assert LemonData(model="gpt-4o", max_tokens=900).metadata.num_output == 900


def test_api_key_never_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-supersecret-abcdef123456"
    llm = LemonData(model="gpt-4o", api_key=secret)
    views = [
        repr(llm),
        str(llm),
        llm.to_json(),
        json.dumps(llm.to_payload(), default=str),
        str(llm.metadata),
        str(llm.to_dict()),
    ]
    assert not any(secret in v for v in views)
    assert "api_key" not in llm.to_dict()
    monkeypatch.setenv("LEMONDATA_API_KEY", secret)
    assert secret not in repr(LemonData(model="gpt-4o"))


def test_key_base_url_and_alias_from_arguments_and_environment(
    serve: Callable[..., Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(text_responder)
    assert LemonData(model="m", api_base="http://h/v1").base_url == "http://h/v1"
    monkeypatch.setenv("LEMONDATA_API_KEY", "sk-from-env-123456")
    monkeypatch.setenv("LEMONDATA_BASE_URL", server.base_url)
    llm = LemonData(model="any/Model_Name:v1")
    assert llm.base_url == server.base_url
    assert "heard: hi" in str(llm.complete("hi"))
    assert server.requests[-1]["headers"]["Authorization"] == "Bearer sk-from-env-123456"
    assert server.requests[-1]["body"]["model"] == "any/Model_Name:v1"
    llm.close()


def test_missing_key_fails_at_call_time_not_construction() -> None:
    llm = LemonData(model="gpt-4o")
    with pytest.raises(ConfigurationError, match="LEMONDATA_API_KEY"):
        llm.chat([ChatMessage(role="user", content="hi")])


# -- the eight entry points ---------------------------------------------------------------


class Recorder(BaseEventHandler):
    """Collects instrumentation event class names."""

    names: list[str] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "Recorder"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.names.append(type(event).__name__)


@pytest.fixture
def instrumentation() -> Iterator[list[str]]:
    """Instrumentation event names fired during the test."""
    handler = Recorder(names=[])
    root = get_dispatcher()
    root.add_event_handler(handler)
    yield handler.names
    root.event_handlers.remove(handler)


METHODS = [
    "chat",
    "stream_chat",
    "complete",
    "stream_complete",
    "achat",
    "astream_chat",
    "acomplete",
    "astream_complete",
]


@pytest.mark.parametrize("method", METHODS)
def test_every_entry_point(
    serve: Callable[..., Served],
    make_llm: Callable[..., LemonData],
    api: str,
    method: str,
    instrumentation: list[str],
) -> None:
    server = serve(text_responder)
    llm = make_llm(server, api)
    stream = "stream" in method
    chat = "chat" in method
    arg: Any = [ChatMessage(role="user", content="lemons")] if chat else "lemons"

    async def call_async() -> list[Any]:
        out = await getattr(llm, method)(arg)
        items = [c async for c in out] if stream else [out]
        await llm.aclose()
        return items

    def call_sync() -> list[Any]:
        out = getattr(llm, method)(arg)
        return list(out) if stream else [out]

    items = asyncio.run(call_async()) if method.startswith("a") else call_sync()
    expected = "gpt-4o-mini heard: lemons"
    last = items[-1]
    assert (last.message.content if chat else last.text) == expected
    if stream:
        assert len(items) > 3
        assert "".join(i.delta or "" for i in items) == expected
    assert last.raw["usage"]["prompt_tokens"] == 77
    assert last.raw["finish_reason"] == "stop"
    assert server.requests[-1]["body"]["stream"] is stream
    kind = "Chat" if chat else "Completion"
    assert f"LLM{kind}StartEvent" in instrumentation
    assert f"LLM{kind}EndEvent" in instrumentation
    if stream:
        assert f"LLM{kind}InProgressEvent" in instrumentation


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_streaming_contract(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str, mode: str
) -> None:
    server = serve(rich_responder)
    llm = make_llm(server, api)
    messages = [ChatMessage(role="user", content="go")]

    async def collect() -> list[ChatResponse]:
        chunks = [c async for c in await llm.astream_chat(messages)]
        await llm.aclose()
        return chunks

    chunks = run(mode, lambda: list(llm.stream_chat(messages)) if mode == "sync" else collect())
    text = thinking = ""
    previous_args: dict[int, str] = {}
    grew = False
    for chunk in chunks:
        text += chunk.delta or ""
        thinking += chunk.additional_kwargs.get("thinking_delta", "")
        message = chunk.message
        assert message.role == MessageRole.ASSISTANT
        assert (message.content or "") == text  # cumulative text, delta is only the new part
        thoughts = [b for b in message.blocks if isinstance(b, ThinkingBlock)]
        assert [t.content for t in thoughts] == ([thinking] if thinking else [])
        calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
        listed = message.additional_kwargs.get("tool_calls", [])
        assert [(c.tool_call_id, c.tool_name, c.tool_kwargs) for c in calls] == [
            (t["id"], t["function"]["name"], t["function"]["arguments"]) for t in listed
        ]
        for index, call in enumerate(calls):
            assert isinstance(call.tool_kwargs, str)
            before = previous_args.get(index, "")
            assert call.tool_kwargs.startswith(before)
            grew = grew or (before != "" and call.tool_kwargs != before)
            previous_args[index] = call.tool_kwargs
    assert grew
    assert thinking == "Think about lemons first."
    assert text == "Calling both tools now."
    assert previous_args == {0: '{"a": 3, "b": 4}', 1: '{"a": 7, "b": 5}'}
    final = chunks[-1]
    assert final.raw["finish_reason"] == "tool_calls"
    assert final.raw["usage"]["prompt_tokens"] == scenarios.INPUT_TOKENS
    assert final.additional_kwargs["prompt_tokens"] == scenarios.INPUT_TOKENS
    assert all(c.raw is None for c in chunks[:-1])  # usage is reported once, at the end
    selections = llm.get_tool_calls_from_response(final)
    assert [(s.tool_name, s.tool_kwargs) for s in selections] == [
        ("add", {"a": 3, "b": 4}),
        ("multiply", {"a": 7, "b": 5}),
    ]
    # Chunks already handed out never change afterwards.
    assert chunks[0].message.additional_kwargs.get("tool_calls") in (None, [])


# -- tool calling -------------------------------------------------------------------------


def _tools() -> list[FunctionTool]:
    return [
        FunctionTool.from_defaults(scenarios.add),
        FunctionTool.from_defaults(scenarios.multiply),
    ]


def test_prepare_chat_with_tools_never_mutates_history() -> None:
    llm = LemonData(model="gpt-4o", api_key=KEY)
    history = [ChatMessage(role="system", content="be brief")]
    kwargs = llm._prepare_chat_with_tools(
        _tools(),
        user_msg="add 1 2",
        chat_history=history,
        tool_required=True,
        allow_parallel_tool_calls=True,
    )
    assert len(history) == 1
    assert [m.content for m in kwargs["messages"]] == ["be brief", "add 1 2"]
    assert kwargs["tool_choice"] == "required"
    assert kwargs["parallel_tool_calls"] is True
    assert [t["function"]["name"] for t in kwargs["tools"]] == ["add", "multiply"]
    assert "strict" not in kwargs["tools"][0]["function"]
    strict = llm._prepare_chat_with_tools(
        _tools(), user_msg="x", strict=True, tool_choice="multiply"
    )
    assert strict["tool_choice"] == "multiply"
    fn = strict["tools"][0]["function"]
    assert fn["strict"] is True and fn["parameters"]["additionalProperties"] is False
    plain = llm._prepare_chat_with_tools(_tools(), user_msg="x")
    assert plain["tool_choice"] is None and plain["parallel_tool_calls"] is False


def test_tool_choice_and_parallel_reach_the_wire(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str
) -> None:
    server = serve(rich_responder)
    llm = make_llm(server, api)
    response = llm.chat_with_tools(_tools(), user_msg="go", tool_choice="multiply")
    body = server.requests[-1]["body"]
    if api == "chat":
        assert body["tool_choice"] == {"type": "function", "function": {"name": "multiply"}}
    else:
        assert body["tool_choice"] == {"type": "function", "name": "multiply"}
    assert body["parallel_tool_calls"] is False
    # Not parallel: only the first call survives validation, as LlamaIndex expects.
    assert [s.tool_name for s in llm.get_tool_calls_from_response(response)] == ["add"]
    both = llm.chat_with_tools(_tools(), user_msg="go", allow_parallel_tool_calls=True)
    assert len(llm.get_tool_calls_from_response(both)) == 2
    assert server.requests[-1]["body"]["parallel_tool_calls"] is True


def _response(*blocks: Any, **kwargs: Any) -> ChatResponse:
    return ChatResponse(
        message=ChatMessage(role="assistant", blocks=list(blocks), additional_kwargs=kwargs)
    )


def test_get_tool_calls_from_response_partial_json_and_errors() -> None:
    llm = LemonData(model="gpt-4o", api_key=KEY)
    partial = _response(
        ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs='{"a": 3, "b')
    )
    assert llm.get_tool_calls_from_response(partial)[0].tool_kwargs == {"a": 3}
    garbage = _response(ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs="}{"))
    assert llm.get_tool_calls_from_response(garbage)[0].tool_kwargs == {}
    as_dict = _response(ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1}))
    assert llm.get_tool_calls_from_response(as_dict)[0].tool_kwargs == {"a": 1}
    legacy = _response(
        TextBlock(text=""),
        tool_calls=[
            {"id": "c9", "type": "function", "function": {"name": "mul", "arguments": '{"a": 2}'}}
        ],
    )
    selection = llm.get_tool_calls_from_response(legacy)[0]
    assert (selection.tool_id, selection.tool_name, selection.tool_kwargs) == (
        "c9",
        "mul",
        {"a": 2},
    )
    none = _response(TextBlock(text="no tools"))
    with pytest.raises(ValueError, match="tool call"):
        llm.get_tool_calls_from_response(none)
    assert llm.get_tool_calls_from_response(none, error_on_no_tool_call=False) == []


def test_validate_keeps_first_call_without_touching_the_input() -> None:
    llm = LemonData(model="gpt-4o", api_key=KEY)
    calls = [
        ToolCallBlock(tool_call_id=f"c{i}", tool_name="add", tool_kwargs="{}") for i in range(2)
    ]
    response = _response(TextBlock(text="x"), *calls, tool_calls=[{"id": "c0"}, {"id": "c1"}])
    single = llm._validate_chat_with_tools_response(response, _tools())
    assert len([b for b in single.message.blocks if isinstance(b, ToolCallBlock)]) == 1
    assert single.message.additional_kwargs["tool_calls"] == [{"id": "c0"}]
    assert len([b for b in response.message.blocks if isinstance(b, ToolCallBlock)]) == 2
    assert (
        llm._validate_chat_with_tools_response(response, _tools(), allow_parallel_tool_calls=True)
        is response
    )


# -- conversion ---------------------------------------------------------------------------


def _history() -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content="You are terse."),
        ChatMessage(
            role="user",
            blocks=[
                TextBlock(text="What is in these?"),
                ImageBlock(url="https://example.com/lemon.png", detail="low"),
                ImageBlock(image=PNG, image_mimetype="image/png"),
            ],
        ),
        ChatMessage(
            role="assistant",
            blocks=[
                ThinkingBlock(content="Two images; use a tool."),
                TextBlock(text="Let me look."),
                ToolCallBlock(
                    tool_call_id="call_1", tool_name="add", tool_kwargs='{"a": 1, "b": 2}'
                ),
                ToolCallBlock(tool_call_id="call_2", tool_name="multiply", tool_kwargs={"a": 2}),
            ],
        ),
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": "call_1"}),
        ChatMessage(role="tool", content="4", additional_kwargs={"tool_call_id": "call_2"}),
    ]


def test_messages_to_neutral() -> None:
    history = _history()
    before = [m.model_dump() for m in history]
    neutral = to_neutral_messages(history)
    assert [m.model_dump() for m in history] == before
    b64 = base64.b64encode(PNG).decode()
    assert neutral == [
        {"role": "system", "content": "You are terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/lemon.png", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
            ],
        },
        {
            "role": "assistant",
            "content": "Let me look.",
            "reasoning_content": "Two images; use a tool.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "multiply", "arguments": {"a": 2}},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "3"},
        {"role": "tool", "tool_call_id": "call_2", "content": "4"},
    ]


def test_neutral_messages_build_both_bodies() -> None:
    neutral = to_neutral_messages(_history())
    responses = build_body("responses", model="m", messages=neutral)
    assert responses["instructions"] == "You are terse."
    items = responses["input"]
    assert items[0]["content"][1] == {
        "type": "input_image",
        "image_url": "https://example.com/lemon.png",
        "detail": "low",
    }
    assert items[0]["content"][2]["image_url"].startswith("data:image/png;base64,")
    kinds = [i.get("type", i.get("role")) for i in items[1:]]
    assert kinds == [
        "assistant",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    assert items[3]["arguments"] == '{"a": 2}'
    assert items[4] == {"type": "function_call_output", "call_id": "call_1", "output": "3"}
    chat = build_body("chat", model="m", messages=neutral)
    assert chat["messages"][2]["tool_calls"][1]["function"]["arguments"] == '{"a": 2}'
    assert chat["messages"][2]["reasoning_content"] == "Two images; use a tool."
    assert chat["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": "3"}


def test_assistant_tool_call_message_round_trips(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str
) -> None:
    server = serve(rich_responder)
    llm = make_llm(server, api)
    final = list(llm.stream_chat([ChatMessage(role="user", content="go")]))[-1]
    (again,) = to_neutral_messages([final.message])
    assert again["content"] == "Calling both tools now."
    assert again["reasoning_content"] == "Think about lemons first."
    assert [(c["id"], c["function"]["arguments"]) for c in again["tool_calls"]] == [
        (c.tool_call_id, c.tool_kwargs)
        for c in final.message.blocks
        if isinstance(c, ToolCallBlock)
    ]
    # And a follow-up request carrying it is accepted by both APIs' builders.
    llm.chat(
        [
            ChatMessage(role="user", content="go"),
            final.message,
            ChatMessage(
                role="tool",
                content="7",
                additional_kwargs={"tool_call_id": again["tool_calls"][0]["id"]},
            ),
        ]
    )


def test_options_reach_the_body(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str
) -> None:
    server = serve(text_responder)
    llm = make_llm(
        server,
        api,
        max_tokens=321,
        reasoning_effort="low",
        cache_control={"type": "ephemeral"},
        additional_kwargs={"user": "u-1"},
    )
    llm.complete("hi", top_p=0.5)
    body = server.requests[-1]["body"]
    assert body["user"] == "u-1" and body["top_p"] == 0.5
    assert body["cache_control"] == {"type": "ephemeral"}
    assert "temperature" not in body  # unset options are not sent
    if api == "chat":
        assert body["max_tokens"] == 321 and body["reasoning_effort"] == "low"
    else:
        assert body["max_output_tokens"] == 321 and body["reasoning"] == {"effort": "low"}


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_http_errors_are_typed(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData], api: str, method: str
) -> None:
    server = serve(text_responder)
    llm = make_llm(server, api, model="error-400")  # the Agent-First 400 model_not_found
    arg: Any = [ChatMessage(role="user", content="x")] if "chat" in method else "x"

    async def call_async() -> None:
        try:
            out = await getattr(llm, method)(arg)
            if "stream" in method:
                async for _ in out:
                    pass
        finally:
            await llm.aclose()

    def call_sync() -> None:
        out = getattr(llm, method)(arg)
        if "stream" in method:
            list(out)

    with pytest.raises(NotFoundError) as info:
        asyncio.run(call_async()) if method.startswith("a") else call_sync()
    assert info.value.did_you_mean == "gpt-5.4" and info.value.suggestions
    assert info.value.status_code == 400


def _truncated_transport(api: str) -> httpx.MockTransport:
    render = render_responses if api == "responses" else render_chat
    frames = [f for f, _ in render(Reply(text="partial answer here"), "m")]
    # Drop the terminal frames: the body ends mid-answer without a finish.
    cut = frames[:-1] if api == "responses" else frames[:-3]
    body = b"".join(cut)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_mid_stream_failure_keeps_partial_and_uses_injected_clients(api: str, mode: str) -> None:
    transport = _truncated_transport(api)
    llm = LemonData(
        model="m",
        api=api,
        api_key=KEY,
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    seen: list[str] = []
    messages = [ChatMessage(role="user", content="x")]

    async def consume_async() -> None:
        async for chunk in await llm.astream_chat(messages):
            seen.append(chunk.message.content or "")

    def consume_sync() -> None:
        for chunk in llm.stream_chat(messages):
            seen.append(chunk.message.content or "")

    with pytest.raises(IncompleteStreamError) as info:
        run(mode, consume_sync if mode == "sync" else consume_async)
    assert isinstance(info.value, LemonDataError)
    assert seen[-1] == "partial answer here"
    assert info.value.partial is not None and info.value.partial.text == "partial answer here"


# -- packaging ----------------------------------------------------------------------------


def test_adapter_imports_only_llama_index_core() -> None:
    code = (
        "import sys, lemon_adapters.llama_index;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('openai', 'langchain_core', "
        "'tiktoken') or m.startswith('llama_index.llms.')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_api_auto_is_passed_to_the_core(
    serve: Callable[..., Served], make_llm: Callable[..., LemonData]
) -> None:
    server = serve(text_responder)
    llm = make_llm(server, "auto")
    assert "heard: hi" in "".join(c.delta or "" for c in llm.stream_complete("hi"))
    assert server.requests[-1]["api"] == "responses"  # the core's first choice for auto


class _TrackedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A long streamed answer that records whether the client closed it."""

    def __init__(self, api: str) -> None:
        render = render_responses if api == "responses" else render_chat
        self.frames = [f for f, _ in render(Reply(text="word " * 200, chunk_chars=5), "m")]
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.frames)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self.frames:
            yield frame

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_leaving_a_stream_early_closes_the_response(api: str, mode: str) -> None:
    body = _TrackedBody(api)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=body)

    transport = httpx.MockTransport(handler)
    llm = LemonData(
        model="m",
        api=api,
        api_key=KEY,
        base_url="http://lemon.test/v1",
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
    )
    messages = [ChatMessage(role="user", content="x")]

    async def leave_async() -> None:
        stream = await llm.astream_chat(messages)
        async for chunk in stream:
            if chunk.delta:
                break
        await stream.aclose()

    def leave_sync() -> None:
        stream = llm.stream_chat(messages)
        for chunk in stream:
            if chunk.delta:
                break
        stream.close()

    run(mode, leave_sync if mode == "sync" else leave_async)
    assert body.closed
