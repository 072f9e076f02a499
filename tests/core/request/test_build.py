"""Request bodies for both APIs from the neutral (Chat Completions-shaped) input."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.build import build_body

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
CHAT_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather now", "parameters": WEATHER_SCHEMA},
}
RESPONSES_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather now",
    "parameters": WEATHER_SCHEMA,
}
PNG = "data:image/png;base64,iVBORw0KGgo="

CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "developer", "content": "Use metric units."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "Weather where these photos were taken?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
            {"type": "image_url", "image_url": {"url": PNG, "detail": "high"}},
        ],
    },
    {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "get_weather", "arguments": {"city": "Rome"}},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
    {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "25 C"}]},
]


def body(api: Any, **kw: Any) -> dict[str, Any]:
    params = kw.pop("params", None)
    return build_body(
        api,
        model=kw.pop("model", "some-model"),
        messages=kw.pop("messages", [{"role": "user", "content": "hi"}]),
        params=params,
        **kw,
    )


# -- Responses ------------------------------------------------------------------------------


def test_responses_conversation_items() -> None:
    b = body("responses", messages=CONVERSATION)
    assert b["model"] == "some-model"
    assert b["stream"] is True
    assert b["instructions"] == "Be brief.\n\nUse metric units."
    assert b["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Weather where these photos were taken?"},
                {"type": "input_image", "image_url": "https://example.com/a.jpg", "detail": "auto"},
                {"type": "input_image", "image_url": PNG, "detail": "high"},
            ],
        },
        {"role": "assistant", "content": "Let me check."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        },
        {
            "type": "function_call",
            "call_id": "call_2",
            "name": "get_weather",
            "arguments": '{"city": "Rome"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "18 C"},
        {"type": "function_call_output", "call_id": "call_2", "output": "25 C"},
    ]
    assert "messages" not in b and "stream_options" not in b


def test_responses_later_system_message_stays_an_item() -> None:
    b = body(
        "responses",
        messages=[
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "Now answer in French."},
        ],
    )
    assert "instructions" not in b
    assert b["input"] == [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "Now answer in French."},
    ]


def test_responses_explicit_instructions_keep_system_messages_as_items() -> None:
    b = body(
        "responses",
        messages=[*CONVERSATION[:1], {"role": "user", "content": "hi"}],
        params={"instructions": "Explicit."},
    )
    assert b["instructions"] == "Explicit."
    assert b["input"][0] == {"role": "system", "content": "Be brief."}


@pytest.mark.parametrize("tool", [CHAT_TOOL, RESPONSES_TOOL], ids=["chat-shape", "resp-shape"])
def test_responses_tools_in_either_shape(tool: dict[str, Any]) -> None:
    b = body("responses", tools=[tool, {"type": "web_search"}])
    assert b["tools"] == [RESPONSES_TOOL, {"type": "web_search"}]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("get_weather", {"type": "function", "name": "get_weather"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "name": "get_weather"},
        ),
        ({"type": "function", "name": "get_weather"}, {"type": "function", "name": "get_weather"}),
        (
            {"type": "allowed_tools", "mode": "auto", "tools": []},
            {"type": "allowed_tools", "mode": "auto", "tools": []},
        ),
    ],
)
def test_responses_tool_choice(choice: Any, expected: Any) -> None:
    assert body("responses", tools=[CHAT_TOOL], tool_choice=choice)["tool_choice"] == expected


def test_responses_option_translations() -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "Weather", "schema": WEATHER_SCHEMA, "strict": True},
    }
    b = body(
        "responses",
        params={
            "max_tokens": 50,
            "reasoning_effort": "low",
            "response_format": fmt,
            "temperature": 0.2,
        },
    )
    assert b["max_output_tokens"] == 50 and "max_tokens" not in b
    assert b["reasoning"] == {"effort": "low"} and "reasoning_effort" not in b
    assert b["text"] == {
        "format": {
            "type": "json_schema",
            "name": "Weather",
            "schema": WEATHER_SCHEMA,
            "strict": True,
        }
    }
    assert "response_format" not in b
    assert b["temperature"] == 0.2


def test_responses_reasoning_dict_and_effort_merge() -> None:
    b = body("responses", params={"reasoning": {"summary": "auto"}, "reasoning_effort": "high"})
    assert b["reasoning"] == {"summary": "auto", "effort": "high"}


def test_responses_json_object_format() -> None:
    b = body("responses", params={"response_format": {"type": "json_object"}})
    assert b["text"] == {"format": {"type": "json_object"}}


def test_responses_refuses_stop_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="stop"):
        body("responses", params={"stop": ["\n"]})


def test_responses_drops_chat_only_stream_usage() -> None:
    b = body("responses", params={"stream_usage": False})
    assert "stream_usage" not in b and "stream_options" not in b


# -- Chat Completions -------------------------------------------------------------------------


def test_chat_conversation_messages() -> None:
    b = body("chat", messages=CONVERSATION)
    msgs = b["messages"]
    assert [m["role"] for m in msgs] == ["system", "developer", "user", "assistant", "tool", "tool"]
    assert msgs[2] == CONVERSATION[2]  # image parts pass as-is on the Chat API
    assert msgs[3]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": "call_2",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
        },
    ]
    assert msgs[4] == {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
    assert b["stream"] is True
    assert b["stream_options"] == {"include_usage": True}


def test_chat_assistant_reasoning_content_passes_back() -> None:
    msg = {"role": "assistant", "content": "x", "reasoning_content": "thought"}
    assert body("chat", messages=[msg])["messages"] == [msg]


def test_inputs_are_not_mutated() -> None:
    before = copy.deepcopy(CONVERSATION)
    body("chat", messages=CONVERSATION, tools=[CHAT_TOOL])
    body("responses", messages=CONVERSATION, tools=[CHAT_TOOL])
    assert before == CONVERSATION


@pytest.mark.parametrize("tool", [CHAT_TOOL, RESPONSES_TOOL], ids=["chat-shape", "resp-shape"])
def test_chat_tools_in_either_shape(tool: dict[str, Any]) -> None:
    assert body("chat", tools=[tool])["tools"] == [CHAT_TOOL]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (
            {"type": "function", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_chat_tool_choice(choice: Any, expected: Any) -> None:
    assert body("chat", tools=[CHAT_TOOL], tool_choice=choice)["tool_choice"] == expected


def test_no_tool_choice_key_when_not_given() -> None:
    assert "tool_choice" not in body("chat", tools=[CHAT_TOOL])
    assert "tool_choice" not in body("responses", tools=[CHAT_TOOL])
    assert "tools" not in body("chat") and "tools" not in body("responses")


def test_chat_options_pass_as_chat_names() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "W", "schema": WEATHER_SCHEMA}}
    b = body(
        "chat",
        params={
            "max_tokens": 50,
            "reasoning_effort": "low",
            "response_format": fmt,
            "stop": ["END"],
            "parallel_tool_calls": False,
        },
    )
    assert (b["max_tokens"], b["reasoning_effort"], b["response_format"], b["stop"]) == (
        50,
        "low",
        fmt,
        ["END"],
    )
    assert b["parallel_tool_calls"] is False
    assert "max_output_tokens" not in b and "text" not in b


def test_chat_reasoning_dict_becomes_reasoning_effort() -> None:
    assert body("chat", params={"reasoning": {"effort": "high"}})["reasoning_effort"] == "high"


def test_chat_stream_usage_off_and_explicit_stream_options() -> None:
    assert "stream_options" not in body("chat", params={"stream_usage": False})
    assert "stream_usage" not in body("chat", params={"stream_usage": False})
    own = {"include_usage": False, "include_obfuscation": False}
    assert body("chat", params={"stream_options": own})["stream_options"] == own
    not_streaming = body("chat", stream=False)
    assert not_streaming["stream"] is False and "stream_options" not in not_streaming


# -- both -----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_cache_control_and_extra_params_pass_through(api: Any) -> None:
    extra = {
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
        "temperature": 0,
        "top_p": 0.5,
        "seed": 7,
        "metadata": {"team": "x"},
        "user": "u1",
        "provider": {"order": ["a", "b"]},
    }
    b = body(api, params=extra)
    for key, value in extra.items():
        assert b[key] == value


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_none_params_are_dropped(api: Any) -> None:
    b = body(api, params={"temperature": None, "max_tokens": None})
    assert not {"temperature", "max_tokens", "max_output_tokens"} & set(b)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_no_model_name_heuristics(api: Any) -> None:
    params = {"max_tokens": 10, "temperature": 0.3, "top_p": 1}
    bodies = [
        body(api, model=m, params=params, tools=[CHAT_TOOL])
        for m in (
            "gpt-4o",
            "o3-mini",
            "gpt-5",
            "claude-sonnet-4-5",
            "deepseek-reasoner",
            "gemini-2.5-pro",
        )
    ]
    for b in bodies:
        b.pop("model")
    assert all(b == bodies[0] for b in bodies)
    if api == "chat":
        assert bodies[0]["max_tokens"] == 10 and "max_completion_tokens" not in bodies[0]
    assert bodies[0]["temperature"] == 0.3


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_body_is_json_serializable(api: Any) -> None:
    json.dumps(body(api, messages=CONVERSATION, tools=[CHAT_TOOL], tool_choice="get_weather"))


def test_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="model"):
        build_body("chat", model="", messages=[])
    with pytest.raises(ConfigurationError, match="api"):
        build_body("completions", model="m", messages=[])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="name"):
        build_body("chat", model="m", messages=[], tools=[{"type": "function", "function": {}}])
    with pytest.raises(ConfigurationError, match="role"):
        build_body("responses", model="m", messages=[{"role": "narrator", "content": "x"}])


def test_responses_cache_control_on_messages_and_parts_is_kept() -> None:
    marker = {"type": "ephemeral"}
    b = body(
        "responses",
        messages=[
            {"role": "system", "content": "Long shared prefix.", "cache_control": marker},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Doc...", "cache_control": marker},
                    {"type": "image_url", "image_url": {"url": PNG}, "cache_control": marker},
                ],
            },
        ],
    )
    assert "instructions" not in b  # not lifted: the marker stays on its message
    assert b["input"][0] == {
        "role": "system",
        "content": "Long shared prefix.",
        "cache_control": marker,
    }
    assert b["input"][1]["content"] == [
        {"type": "input_text", "text": "Doc...", "cache_control": marker},
        {"type": "input_image", "image_url": PNG, "detail": "auto", "cache_control": marker},
    ]


def test_chat_cache_control_on_messages_and_parts_is_kept() -> None:
    marker = {"type": "ephemeral"}
    msgs = [
        {"role": "system", "content": [{"type": "text", "text": "P", "cache_control": marker}]},
        {"role": "user", "content": "hi", "cache_control": marker},
    ]
    assert body("chat", messages=msgs)["messages"] == msgs


def test_responses_tool_result_with_an_image_keeps_it_as_content_parts() -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    messages = [
        {"role": "user", "content": "Describe the chart the tool returns"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": "chart", "arguments": "{}"},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_9",
            "content": [
                {"type": "text", "text": "Here is the chart"},
                {"type": "image_url", "image_url": {"url": image}},
            ],
        },
    ]
    body = build_body("responses", model="m", messages=messages)
    output = body["input"][-1]
    assert output["type"] == "function_call_output" and output["call_id"] == "call_9"
    assert output["output"] == [
        {"type": "input_text", "text": "Here is the chart"},
        {"type": "input_image", "image_url": image, "detail": "auto"},
    ]
    # text-only results stay a plain string
    messages[-1]["content"] = [{"type": "text", "text": "18 C"}]
    assert build_body("responses", model="m", messages=messages)["input"][-1]["output"] == "18 C"
