"""Anthropic Messages request bodies from the neutral (Chat Completions-shaped) input."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.anthropic_messages import DEFAULT_MAX_TOKENS
from lemon_adapters.core.request.build import Request, build_body, request_of
from lemon_adapters.core.request.call import MODEL_OPTIONS

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather now", "parameters": SCHEMA},
}
RESPONSES_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather now",
    "parameters": SCHEMA,
}
MESSAGES_TOOL = {"name": "get_weather", "description": "Weather now", "input_schema": SCHEMA}
PNG = "data:image/png;base64,iVBORw0KGgo="
PDF = "data:application/pdf;base64,JVBERi0xLjQ="
EPHEMERAL = {"type": "ephemeral"}
THINKING = {"type": "thinking", "thinking": "Let me look.", "signature": "c2ln"}
REDACTED = {"type": "redacted_thinking", "data": "b3BhcXVl"}


def body(**kw: Any) -> dict[str, Any]:
    return build_body(
        "messages",
        model=kw.pop("model", "claude-sonnet-4-5"),
        messages=kw.pop("messages", [{"role": "user", "content": "hi"}]),
        params=kw.pop("params", None),
        **kw,
    )


def call(tool_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"id": tool_id, "type": "function", "function": {"name": name, "arguments": arguments}}


# -- the shape ------------------------------------------------------------------------------


def test_minimal_body() -> None:
    assert body() == {
        "model": "claude-sonnet-4-5",
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    assert DEFAULT_MAX_TOKENS == 4096
    assert body(stream=False)["stream"] is False


def test_max_tokens_given_wins_over_the_default() -> None:
    assert body(params={"max_tokens": 300})["max_tokens"] == 300


def test_a_whole_conversation() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": "Use metric units."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather where these were taken?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}},
                {"type": "image_url", "image_url": {"url": PNG, "detail": "high"}},
            ],
        },
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                call("toolu_1", "get_weather", '{"city": "Paris"}'),
                call("toolu_2", "get_weather", {"city": "Rome"}),
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "18 C"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": [{"type": "text", "text": "25 C"}]},
        {"role": "user", "content": "And tomorrow?"},
    ]
    original = copy.deepcopy(messages)
    b = body(messages=messages, tools=[CHAT_TOOL])
    assert messages == original  # the caller's messages are not touched
    assert b["system"] == "Be brief.\n\nUse metric units."
    assert b["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather where these were taken?"},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "get_weather",
                    "input": {"city": "Rome"},
                },
            ],
        },
        {
            # Tool results and the user's next words are one user turn (turns alternate).
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [{"type": "text", "text": "25 C"}],
                },
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]
    assert b["tools"] == [MESSAGES_TOOL]


# -- system -------------------------------------------------------------------------------------


def test_no_system_message_no_system_field() -> None:
    assert "system" not in body()


def test_system_with_a_cache_marker_is_a_list_of_blocks() -> None:
    b = body(
        messages=[
            {"role": "system", "content": "Long, stable instructions.", "cache_control": EPHEMERAL},
            {"role": "system", "content": "Today is Monday."},
            {"role": "user", "content": "hi"},
        ]
    )
    assert b["system"] == [
        {"type": "text", "text": "Long, stable instructions.", "cache_control": EPHEMERAL},
        {"type": "text", "text": "Today is Monday."},
    ]


def test_system_parts_keep_their_own_cache_marker() -> None:
    b = body(
        messages=[
            {
                "role": "system",
                "content": [
                    {"type": "text", "text": "A", "cache_control": EPHEMERAL},
                    {"type": "text", "text": "B"},
                ],
            },
            {"role": "user", "content": "hi"},
        ]
    )
    assert b["system"] == [
        {"type": "text", "text": "A", "cache_control": EPHEMERAL},
        {"type": "text", "text": "B"},
    ]
    plain = body(messages=[{"role": "system", "content": [{"type": "text", "text": "A"}]}])
    assert plain["system"] == "A"


def test_a_system_message_after_the_conversation_started_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="system"):
        body(messages=[{"role": "user", "content": "hi"}, {"role": "system", "content": "x"}])


# -- user content ---------------------------------------------------------------------------------


def test_user_cache_marker_goes_on_the_last_block() -> None:
    b = body(messages=[{"role": "user", "content": "A long document.", "cache_control": EPHEMERAL}])
    assert b["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "A long document.", "cache_control": EPHEMERAL}],
        }
    ]
    parts = [
        {"type": "text", "text": "A"},
        {"type": "image_url", "image_url": {"url": PNG}, "cache_control": EPHEMERAL},
    ]
    b = body(messages=[{"role": "user", "content": parts}])
    assert b["messages"][0]["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        "cache_control": EPHEMERAL,
    }


def test_files_pdf_and_image() -> None:
    parts = [
        {"type": "file", "file": {"filename": "a.pdf", "file_data": PDF}},
        {"type": "file", "file": {"filename": "b.png", "file_data": PNG}},
    ]
    assert body(messages=[{"role": "user", "content": parts}])["messages"][0]["content"] == [
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="},
        },
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
        },
    ]


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"type": "file", "file": {"file_id": "file-abc"}}, "file_data"),
        (
            {"type": "file", "file": {"file_data": "data:text/csv;base64,YSxi"}},
            "PDF and image",
        ),
        ({"type": "image_url", "image_url": {"url": "data:image/png,raw"}}, "base64 data: URL"),
        ({"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}}, "audio"),
    ],
)
def test_content_the_messages_api_cannot_take_is_refused(part: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        body(messages=[{"role": "user", "content": [part]}])


def test_native_blocks_in_user_content_pass_through() -> None:
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    assert body(messages=[{"role": "user", "content": [doc]}])["messages"][0]["content"] == [doc]


# -- merging ----------------------------------------------------------------------------------


def test_consecutive_same_role_messages_are_merged() -> None:
    b = body(
        messages=[
            {"role": "user", "content": "one"},
            {"role": "user", "content": [{"type": "text", "text": "two"}]},
            {"role": "assistant", "content": "three"},
            {"role": "assistant", "content": "four"},
            {"role": "user", "content": "five"},
        ]
    )
    assert b["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "three"}, {"type": "text", "text": "four"}],
        },
        {"role": "user", "content": "five"},
    ]


def test_an_empty_assistant_message_is_left_out() -> None:
    b = body(
        messages=[
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "b"},
        ]
    )
    assert b["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="role"):
        body(messages=[{"role": "function", "content": "x"}])


# -- assistant turns ------------------------------------------------------------------------


def test_thinking_blocks_come_first_exactly_as_given() -> None:
    assistant = {
        "role": "assistant",
        "content": "Checking.",
        "reasoning_content": "Let me look.",  # no signature: cannot be sent on Messages
        "thinking_blocks": [THINKING, REDACTED],
        "tool_calls": [call("toolu_1", "get_weather", '{"city": "Paris"}')],
    }
    content = body(messages=[{"role": "user", "content": "hi"}, assistant])["messages"][1][
        "content"
    ]
    assert content == [
        THINKING,
        REDACTED,
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
    ]
    assert content[0] is THINKING  # sent as given, not rebuilt


def test_native_blocks_are_sent_verbatim_instead_of_rebuilding() -> None:
    blocks = [
        THINKING,
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"q": "x"}},
        {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
        {"type": "text", "text": "Found it.", "citations": None},
    ]
    original = copy.deepcopy(blocks)
    messages = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": "ignored: the blocks say it",
            "tool_calls": [call("toolu_9", "ignored", "{}")],
            "blocks": blocks,
        },
        {"role": "assistant", "content": "More."},  # merged into the same turn
    ]
    content = body(messages=messages)["messages"][1]["content"]
    assert content == [*original, {"type": "text", "text": "More."}]
    assert blocks == original  # the caller's list is not extended by the merge


def test_tool_call_arguments_become_an_input_object() -> None:
    calls = [
        call("a", "f", ""),
        call("b", "f", None),
        call("c", "f", {"x": 1}),
        call("d", "f", '{"x": [1, 2]}'),
    ]
    content = body(
        messages=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": calls},
        ]
    )["messages"][1]["content"]
    assert [b["input"] for b in content] == [{}, {}, {"x": 1}, {"x": [1, 2]}]


@pytest.mark.parametrize("arguments", ['{"city": "Par', "[1, 2]"])
def test_tool_call_arguments_that_are_not_a_json_object_are_refused(arguments: str) -> None:
    assistant = {"role": "assistant", "content": None, "tool_calls": [call("a", "f", arguments)]}
    with pytest.raises(ConfigurationError, match="'f'"):
        body(messages=[{"role": "user", "content": "hi"}, assistant])


# -- tool results -----------------------------------------------------------------------------


def test_tool_results_error_flag_and_content_forms() -> None:
    messages = [
        {"role": "tool", "tool_call_id": "a", "content": "boom", "is_error": True},
        {"role": "tool", "tool_call_id": "b", "content": "ok", "is_error": False},
        {"role": "tool", "tool_call_id": "c", "content": ""},
        {
            "role": "tool",
            "tool_call_id": "d",
            "content": [
                {"type": "text", "text": "see"},
                {"type": "image_url", "image_url": {"url": PNG}},
            ],
        },
    ]
    assert body(messages=messages)["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "a", "content": "boom", "is_error": True},
                {"type": "tool_result", "tool_use_id": "b", "content": "ok"},
                {"type": "tool_result", "tool_use_id": "c"},
                {
                    "type": "tool_result",
                    "tool_use_id": "d",
                    "content": [
                        {"type": "text", "text": "see"},
                        {
                            "type": "image",
                            "source": {
                                "type": "base64",
                                "media_type": "image/png",
                                "data": "iVBORw0KGgo=",
                            },
                        },
                    ],
                },
            ],
        }
    ]


# -- tools and tool_choice --------------------------------------------------------------------


@pytest.mark.parametrize(
    "tool", [CHAT_TOOL, RESPONSES_TOOL, MESSAGES_TOOL], ids=["chat", "responses", "messages"]
)
def test_function_tools_in_any_shape(tool: dict[str, Any]) -> None:
    web = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    assert body(tools=[tool, web])["tools"] == [MESSAGES_TOOL, web]


def test_tool_without_parameters_and_with_a_cache_marker() -> None:
    tools = [
        {"type": "function", "function": {"name": "now"}, "cache_control": EPHEMERAL},
        {"type": "function", "name": "later", "description": "", "strict": True},
    ]
    assert body(tools=tools)["tools"] == [
        {
            "name": "now",
            "input_schema": {"type": "object", "properties": {}},
            "cache_control": EPHEMERAL,
        },
        {"name": "later", "description": "", "input_schema": {"type": "object", "properties": {}}},
    ]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("any", {"type": "any"}),
        (True, {"type": "any"}),
        ("none", {"type": "none"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "tool", "name": "get_weather"},
        ),
        ({"type": "function", "name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
        ({"type": "tool", "name": "get_weather"}, {"type": "tool", "name": "get_weather"}),
    ],
)
def test_tool_choice(choice: Any, expected: dict[str, Any]) -> None:
    assert body(tools=[CHAT_TOOL], tool_choice=choice)["tool_choice"] == expected


def test_no_tool_choice_unless_asked() -> None:
    assert "tool_choice" not in body(tools=[CHAT_TOOL])
    assert "tool_choice" not in body(tools=[CHAT_TOOL], params={"parallel_tool_calls": True})


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", {"type": "any", "disable_parallel_tool_use": True}),
        ("get_weather", {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True}),
        ("none", {"type": "none"}),
    ],
)
def test_parallel_tool_calls_false(choice: Any, expected: dict[str, Any]) -> None:
    b = body(tools=[CHAT_TOOL], tool_choice=choice, params={"parallel_tool_calls": False})
    assert b["tool_choice"] == expected
    assert "parallel_tool_calls" not in b


# -- options ----------------------------------------------------------------------------------


def test_options_sent_as_named_or_translated() -> None:
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "thinking": {"type": "enabled", "budget_tokens": 2000},
        "metadata": {"user_id": "u-1"},
        "service_tier": "auto",
        "cache_control": EPHEMERAL,
        "stop": "END",
        "max_tokens": 5000,
    }
    b = body(params=params)
    assert {k: b[k] for k in ("temperature", "top_p", "top_k", "thinking", "metadata")} == {
        k: params[k] for k in ("temperature", "top_p", "top_k", "thinking", "metadata")
    }
    assert (b["service_tier"], b["cache_control"], b["max_tokens"]) == ("auto", EPHEMERAL, 5000)
    assert b["stop_sequences"] == ["END"] and "stop" not in b
    assert body(params={"stop": ["a", "b"]})["stop_sequences"] == ["a", "b"]
    assert body(params={"thinking": {"type": "adaptive"}})["thinking"] == {"type": "adaptive"}


def test_cache_control_stays_at_the_top_level() -> None:
    b = body(
        messages=[{"role": "system", "content": "S"}, {"role": "user", "content": "hi"}],
        params={"cache_control": {"type": "ephemeral", "ttl": "5m"}},
    )
    assert b["cache_control"] == {"type": "ephemeral", "ttl": "5m"}
    assert b["system"] == "S"  # not moved onto a block


def test_usage_options_and_effort_are_left_out() -> None:
    b = body(
        params={
            "stream_usage": True,
            "stream_options": {"include_usage": True},
            "reasoning_effort": "high",
            "reasoning": {"effort": "high"},
        }
    )
    assert not {"stream_usage", "stream_options", "reasoning_effort", "reasoning"} & set(b)


#: Named options the Messages API has no field for.
REFUSED = [
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logprobs",
    "top_logprobs",
    "response_format",
    "background",
    "store",
    "user",
    "instructions",
    "previous_response_id",
    "include",
    "truncation",
]


@pytest.mark.parametrize("name", REFUSED)
def test_options_without_a_messages_field_are_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"Messages API.*'{name}'"):
        body(params={name: {"type": "json_object"} if name == "response_format" else 1})


def test_every_named_option_is_either_handled_or_refused() -> None:
    handled = {
        "temperature",
        "top_p",
        "top_k",
        "thinking",
        "metadata",
        "service_tier",
        "cache_control",
        "platform_cache",  # translated for every route by build_body, before this builder
        "max_tokens",
        "stop",
        "parallel_tool_calls",
        "stream_usage",
        "reasoning_effort",
        "reasoning",
    }
    assert sorted(MODEL_OPTIONS) == sorted(handled | set(REFUSED))


def test_refusal_names_all_and_says_what_to_do_instead() -> None:
    with pytest.raises(ConfigurationError) as info:
        body(params={"seed": 1, "user": "u-1"})
    assert "'seed', 'user'" in info.value.message
    assert "metadata={'user_id': ...}" in info.value.message


def test_fields_that_are_not_named_options_pass_through() -> None:
    servers = [{"type": "url", "url": "https://mcp.example.com", "name": "x"}]
    b = body(params={"mcp_servers": servers, "context_management": {"edits": []}})
    assert b["mcp_servers"] == servers and b["context_management"] == {"edits": []}


def test_unknown_api_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'messages'"):
        build_body("bedrock", model="m", messages=[])  # type: ignore[arg-type]


# -- Request.body -------------------------------------------------------------------------------


def test_request_body_sends_stop_natively_and_merges_extra_body() -> None:
    request = request_of(
        {
            "model": "claude-haiku-4-5",
            "messages": [{"role": "user", "content": "hi"}],
            "stop": ["```"],
            "top_k": 5,
            "extra_body": {"anthropic_beta": ["x"]},
        }
    )
    b = request.body("messages", stream=True)
    assert b["stop_sequences"] == ["```"]  # the server stops; nothing is cut client-side
    assert b["top_k"] == 5 and b["anthropic_beta"] == ["x"]
    # The Responses body still leaves stop out (applied client-side there).
    assert "stop" not in request.body("responses", stream=True)


def test_request_body_fallback_leaves_background_out() -> None:
    request = Request(
        model="m", messages=[{"role": "user", "content": "hi"}], options={"background": True}
    )
    with pytest.raises(ConfigurationError, match="background"):
        request.body("messages", stream=True)
    assert "background" not in request.body("messages", stream=True, fallback=True)
