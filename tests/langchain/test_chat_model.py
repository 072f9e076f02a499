"""ChatLemonData beyond the standard suites: mapping, requests per API, errors, lifecycle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import (
    ModelError,
    ModelNotFoundError,
    ModelRateLimitError,
)
from langchain_core.load import dumpd, load
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel

import lemon_adapters
from lemon_adapters.core.request.build import build_body
from lemon_adapters.langchain import (
    ChatLemonData,
    LemonDataIncompleteStreamError,
    LemonDataModelNotFoundBadRequestError,
    LemonDataModelNotFoundError,
    LemonDataRateLimitError,
)
from lemon_adapters.langchain._convert import to_neutral_messages
from lemon_adapters.testing.server import DevServer, Reply, pieces

from .responder import standard_responder

APIS = ["responses", "chat"]
REASONING = "The user wants the weather, so I call the tool."


def rich_responder(api: str, body: dict[str, Any]) -> Reply:
    """Reasoning, text and two tool calls in one answer."""
    if body.get("model") == "plain":
        return standard_responder(api, body)
    return Reply(
        reasoning=REASONING,
        text="Let me check.",
        tool_calls=[("get_weather", '{"city": "Paris"}'), ("get_time", '{"city": "Paris"}')],
    )


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    with DevServer(rich_responder) as srv:
        yield srv


def model_for(server: DevServer, api: str, **kwargs: Any) -> ChatLemonData:
    return ChatLemonData(
        model=kwargs.pop("model", "gpt-4o-mini"),
        api=api,
        base_url=server.base_url,
        api_key="sk-test-key-123456",
        **kwargs,
    )


async def collect(model: ChatLemonData, mode: str, *args: Any, **kwargs: Any) -> list[Any]:
    """The chunks of one stream call, sync or async (one test body for both)."""
    if mode == "sync":
        return list(model.stream(*args, **kwargs))
    chunks = [c async for c in model.astream(*args, **kwargs)]
    await model.aclose()
    return chunks


# -- streaming ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("api", APIS)
async def test_stream_maps_every_delta(server: DevServer, api: str, mode: str) -> None:
    chunks = await collect(model_for(server, api), mode, "Weather in Paris?")
    reasoning = [
        c.additional_kwargs["reasoning_content"]
        for c in chunks
        if "reasoning_content" in c.additional_kwargs
    ]
    assert reasoning == pieces(REASONING, 4)
    assert [c.content for c in chunks if c.content] == pieces("Let me check.", 4)
    tool_chunks = [tc for c in chunks for tc in c.tool_call_chunks]
    assert [(tc["index"], tc["name"]) for tc in tool_chunks if tc["name"]] == [
        (0, "get_weather"),
        (1, "get_time"),
    ]
    assert all(tc["id"] for tc in tool_chunks if tc["name"])
    # The first chunk names the provider and the model (consumers know them from the
    # start); exactly one final chunk, last, carries usage and the rest of the metadata.
    assert chunks[0].response_metadata == {
        "model_provider": "lemondata",
        "model_name": "gpt-4o-mini",
    }
    assert [c.chunk_position for c in chunks].count("last") == 1
    assert chunks[-1].chunk_position == "last"
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    last = chunks[-1]
    assert last.usage_metadata["input_token_details"] == {"cache_read": 0}
    assert last.usage_metadata["output_token_details"]["reasoning"] > 0
    meta = last.response_metadata
    assert meta["finish_reason"] == "tool_calls"
    assert meta["model_provider"] == "lemondata"
    assert meta["id"]
    assert meta["cache_status"] == "MISS"
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert full.response_metadata["model_name"] == "gpt-4o-mini"  # said once, not repeated
    assert full.additional_kwargs["reasoning_content"] == REASONING
    assert full.text == "Let me check."
    assert [(t["name"], t["args"]) for t in full.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"city": "Paris"}),
    ]


@pytest.mark.parametrize("api", APIS)
def test_v1_output_has_standard_reasoning_block(server: DevServer, api: str) -> None:
    model = model_for(server, api, output_version="v1")
    full: Any = None
    for c in model.stream("Weather in Paris?"):
        full = c if full is None else full + c
    kinds = [b["type"] for b in full.content]
    assert kinds[0] == "reasoning"
    assert full.content[0]["reasoning"] == REASONING
    assert "text" in kinds
    invoked = model.invoke("Weather in Paris?")
    blocks = invoked.content_blocks
    assert blocks[0] == {"type": "reasoning", "reasoning": REASONING}
    assert [b["name"] for b in blocks if b["type"] == "tool_call"] == ["get_weather", "get_time"]


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


@pytest.mark.parametrize("api", APIS)
def test_on_llm_new_token_once_per_delta(server: DevServer, api: str) -> None:
    handler = _Tokens()
    model = model_for(server, api, model="plain", streaming=True)
    message = model.invoke("Tell me a story", config={"callbacks": [handler]})
    text_pieces = pieces(str(message.content), 4)
    # One call per text delta, plus the final (empty) chunk.
    # "" for the first chunk (provider and model) and the last one (usage, finish)
    assert handler.tokens == ["", *text_pieces, ""]


# -- requests per API ------------------------------------------------------------------


def test_messages_convert_for_both_apis() -> None:
    messages = [
        SystemMessage("Be brief."),
        HumanMessage(
            [
                {"type": "text", "text": "What is this?"},
                {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            ]
        ),
        AIMessage(
            [
                {"type": "reasoning", "reasoning": "Need the tool."},
                {"type": "text", "text": "Checking."},
            ],
            tool_calls=[{"name": "look", "args": {"q": 1}, "id": "c1", "type": "tool_call"}],
        ),
        ToolMessage("boom", tool_call_id="c1", status="error"),
        AIMessage(
            "",
            additional_kwargs={"reasoning_content": "Retry."},
            tool_calls=[{"name": "look", "args": {"q": 2}, "id": "c2", "type": "tool_call"}],
        ),
        ToolMessage("42", tool_call_id="c2"),
    ]
    neutral = to_neutral_messages(messages)
    assert neutral[1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
    }
    assert neutral[2]["content"] == "Checking."
    assert neutral[2]["reasoning_content"] == "Need the tool."
    assert neutral[2]["tool_calls"][0]["function"] == {"name": "look", "arguments": '{"q": 1}'}
    assert neutral[3] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "Error: boom",
        "is_error": True,  # the Messages API's flag; the other APIs read the text
    }
    assert neutral[4]["reasoning_content"] == "Retry."

    chat = build_body("chat", model="m", messages=neutral)
    assert chat["messages"][4]["reasoning_content"] == "Retry."  # DeepSeek thinking + tools
    responses = build_body("responses", model="m", messages=neutral)
    assert responses["instructions"] == "Be brief."
    items = responses["input"]
    assert items[0]["content"][1] == {
        "type": "input_image",
        "detail": "auto",
        "image_url": "data:image/png;base64,iVBORw0KGgo=",
    }
    assert [i.get("type") for i in items[1:]] == [
        None,
        "function_call",
        "function_call_output",
        "function_call",
        "function_call_output",
    ]
    assert items[3] == {"type": "function_call_output", "call_id": "c1", "output": "Error: boom"}


def test_anthropic_thinking_blocks_are_kept_for_replay_not_sent_as_content() -> None:
    thinking = {"type": "thinking", "thinking": "Hmm.", "signature": "sig"}
    message = AIMessage([thinking, {"type": "text", "text": "Hello"}])
    assert to_neutral_messages([message]) == [
        {
            "role": "assistant",
            "content": "Hello",
            "reasoning_content": "Hmm.",
            "thinking_blocks": [thinking],  # sent back unchanged on the Messages API only
        }
    ]


@pytest.mark.parametrize(
    ("choice", "responses_wire", "chat_wire"),
    [
        ("any", "required", "required"),
        (True, "required", "required"),
        ("auto", "auto", "auto"),
        ("none", "none", "none"),
        (
            "get_weather",
            {"type": "function", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_bind_tools_tool_choice_per_api(
    server: DevServer, choice: Any, responses_wire: Any, chat_wire: Any
) -> None:
    def get_weather(city: str) -> str:
        """Weather in a city."""
        return city

    for api, wire in (("responses", responses_wire), ("chat", chat_wire)):
        model = model_for(server, api, model="plain")
        model.bind_tools(
            [get_weather], tool_choice=choice, parallel_tool_calls=False, strict=True
        ).invoke("hi")
        body = server.requests[-1]["body"]
        assert body["tool_choice"] == wire
        assert body["parallel_tool_calls"] is False
        tool = body["tools"][0] if api == "responses" else body["tools"][0]["function"]
        assert tool["name"] == "get_weather"
        assert tool["strict"] is True


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


@pytest.mark.parametrize("api", APIS)
def test_structured_output_json_schema_per_api(server: DevServer, api: str) -> None:
    model = model_for(server, api, model="plain")
    out = model.with_structured_output(
        Joke, method="json_schema", strict=True, include_raw=True
    ).invoke("Tell me a joke")
    assert isinstance(out["parsed"], Joke)
    assert isinstance(out["raw"], AIMessage)
    assert out["parsing_error"] is None
    body = server.requests[-1]["body"]
    if api == "responses":
        fmt = body["text"]["format"]
        assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Joke", True)
        assert fmt["schema"]["required"] == ["setup", "punchline"]
    else:
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "Joke"
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False


@pytest.mark.parametrize("api", APIS)
def test_structured_output_json_mode_and_function_calling(server: DevServer, api: str) -> None:
    model = model_for(server, api, model="plain")
    assert model.with_structured_output(Joke, method="json_mode").invoke("joke") == Joke(
        setup="Why did the cat sit on the computer?", punchline="To keep an eye on the mouse."
    )
    body = server.requests[-1]["body"]
    fmt = body["text"]["format"] if api == "responses" else body["response_format"]
    assert fmt == {"type": "json_object"}
    joke = model.with_structured_output(Joke).invoke("joke")
    assert isinstance(joke, Joke)
    body = server.requests[-1]["body"]
    # No parallel_tool_calls: not every model behind the gateway accepts it, and the
    # parser reads the first call only.
    assert "parallel_tool_calls" not in body
    assert body["tool_choice"] in (
        {"type": "function", "name": "Joke"},
        {"type": "function", "function": {"name": "Joke"}},
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stop_is_honoured_on_both_apis(server: DevServer, mode: str) -> None:
    """Chat sends ``stop``; Responses has none, so the text is cut client-side."""
    for api in APIS:
        model = model_for(server, api, model="plain", stop=["you"])
        message = model.invoke("hi")
        assert message.content == "Hi there! How can I help "
        body = server.requests[-1]["body"]
        assert ("stop" in body) == (api == "chat")
        full = None
        for chunk in model.stream("hi"):
            full = chunk if full is None else full + chunk
        assert full is not None
        assert full.content == "Hi there! How can I help "
        assert full.response_metadata["finish_reason"] == "stop"


def test_model_override_and_ls_params(server: DevServer) -> None:
    model = model_for(server, "chat", model="plain", temperature=0.2, max_tokens=50)
    params = model._get_ls_params(stop=["x"], model="claude-sonnet-4-5")
    assert params == {
        "ls_provider": "lemondata",
        "ls_model_name": "claude-sonnet-4-5",
        "ls_model_type": "chat",
        "ls_temperature": 0.2,
        "ls_max_tokens": 50,
        "ls_stop": ["x"],
    }
    message = model.invoke("hi", model="claude-sonnet-4-5")
    assert message.response_metadata["model_name"] == "claude-sonnet-4-5"
    assert server.requests[-1]["body"]["max_tokens"] == 50


def test_options_reach_the_body(server: DevServer) -> None:
    model = model_for(
        server,
        "responses",
        model="plain",
        reasoning_effort="low",
        max_tokens=64,
        top_p=0.5,
        cache_control={"type": "ephemeral"},
        model_kwargs={"user": "u1"},
        extra_body={"metadata": {"k": "v"}},
        default_headers={"X-Trace": "t1"},
    )
    model.invoke("hi")
    req = server.requests[-1]
    assert req["body"]["reasoning"] == {"effort": "low"}
    assert req["body"]["max_output_tokens"] == 64
    assert req["body"]["top_p"] == 0.5
    assert req["body"]["cache_control"] == {"type": "ephemeral"}
    assert req["body"]["user"] == "u1"
    assert req["body"]["metadata"] == {"k": "v"}
    assert req["headers"]["X-Trace"] == "t1"
    assert req["headers"]["Authorization"] == "Bearer sk-test-key-123456"


def test_api_auto_passes_through(server: DevServer) -> None:
    message = model_for(server, "auto", model="plain").invoke("hi")
    assert message.content == "Hi there! How can I help you today?"
    assert server.requests[-1]["path"].endswith("/responses")


# -- errors ------------------------------------------------------------------------------


def test_missing_key_fails_at_call_time_not_construction() -> None:
    model = ChatLemonData(model="gpt-4o-mini")
    assert model.api_key is None
    with pytest.raises(lemon_adapters.ConfigurationError, match="LEMONDATA_API_KEY"):
        model.invoke("hi")


@pytest.mark.parametrize("api", APIS)
def test_http_errors_are_langchain_model_errors_with_hints(api: str) -> None:
    with DevServer() as srv:  # demo_responder: "error-<status>" models answer that status
        model = model_for(srv, api, model="gpt-4o-minii", max_retries=0)  # misspelled
        with pytest.raises(ModelNotFoundError) as info:
            model.invoke("hi")
        err = info.value
        assert isinstance(err, LemonDataModelNotFoundBadRequestError)
        assert isinstance(err, lemon_adapters.NotFoundError | lemon_adapters.BadRequestError)
        assert err.did_you_mean == "gpt-4o-mini"
        assert "Did you mean 'gpt-4o-mini'?" in str(err)
        assert err.request_id
        missing = model_for(srv, api, model="error-404", max_retries=0)
        with pytest.raises(ModelNotFoundError) as info404:
            missing.invoke("hi")
        assert isinstance(info404.value, LemonDataModelNotFoundError) and not isinstance(
            info404.value, lemon_adapters.BadRequestError
        )
        limited = model_for(srv, api, model="error-429", max_retries=0)
        with pytest.raises(ModelRateLimitError) as info2:
            list(limited.stream("hi"))
        assert isinstance(info2.value, LemonDataRateLimitError)
        assert info2.value.is_retryable and info2.value.retry_after == 8
        assert "sk-test" not in repr(info2.value)


def _truncated_chat_stream(request: httpx.Request) -> httpx.Response:
    chunks = [
        {
            "id": "c1",
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }
        for text in ("Partial ", "answer")
    ]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_mid_stream_failure_carries_partial_message(mode: str) -> None:
    model = ChatLemonData(
        model="gpt-4o-mini",
        api="chat",
        api_key="sk-test",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(_truncated_chat_stream)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(_truncated_chat_stream)),
    )
    with pytest.raises(ModelError) as info:
        await collect(model, mode, "hi")
    err = info.value
    assert isinstance(err, LemonDataIncompleteStreamError)
    assert isinstance(err, lemon_adapters.IncompleteStreamError)
    assert err.partial_message.content == "Partial answer"  # type: ignore[attr-defined]
    assert model.http_client is not None and model.http_async_client is not None
    model.http_client.close()
    await model.http_async_client.aclose()


# -- lifecycle and serialization ------------------------------------------------------------


async def test_clients_are_cached_per_instance(server: DevServer) -> None:
    model = model_for(server, "chat", model="plain")
    model.invoke("hi")
    first = model.client
    model.invoke("hey")
    assert model.client is first
    await model.ainvoke("hi")
    async_first = model.async_client
    await model.ainvoke("hey")
    assert model.async_client is async_first
    await model.aclose()
    model.close()


@pytest.mark.filterwarnings("ignore:The function `load` is in beta")
def test_serializes_without_the_key_and_loads_back() -> None:
    model = ChatLemonData(
        model="gpt-4o-mini", api="chat", api_key="sk-secret-value-1234", temperature=0.1
    )
    data = dumpd(model)
    assert "sk-secret" not in json.dumps(data)
    assert "sk-secret" not in repr(model)
    assert data["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["LEMONDATA_API_KEY"]}
    loaded = load(
        data,
        allowed_objects=[ChatLemonData],
        valid_namespaces=["lemon_adapters"],
        secrets_map={"LEMONDATA_API_KEY": "sk-secret-value-1234"},
    )
    assert isinstance(loaded, ChatLemonData)
    assert (loaded.model, loaded.api, loaded.temperature) == ("gpt-4o-mini", "chat", 0.1)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == "sk-secret-value-1234"


def test_model_name_alias_and_identity() -> None:
    model = ChatLemonData(model_name="gpt-4o", api_key="sk-x")
    assert model.model == "gpt-4o"
    assert model._llm_type == "lemondata-chat"
    assert model._identifying_params["model"] == "gpt-4o"
    assert isinstance(AIMessageChunk(content=""), AIMessageChunk)
