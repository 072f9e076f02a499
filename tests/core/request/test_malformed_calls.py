"""Malformed calls are ``ConfigurationError`` naming the position and what was expected,
raised before any request: every shape below, on every API, through the sync and the async
client (``stream`` and ``create``), against a real local server that must receive nothing."""

from __future__ import annotations

import asyncio
import datetime
import math
import re
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import httpx
import pytest

from lemon_adapters import AsyncLemonDataClient, ConfigurationError, LemonDataClient
from lemon_adapters.core.wire.nesting import MAX_DEPTH
from lemon_adapters.testing import DevServer

KEY = "sk-test-malformed-0123456789"
USER = {"role": "user", "content": "Hi"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
DAY = datetime.date(2026, 1, 1)
#: The position words of a tool named get_weather.
WEATHER = r"tools\[0\] \(tool 'get_weather'\)\.function"


def user(content: Any) -> dict[str, Any]:
    """``messages=`` with one user message of ``content``."""
    return {"messages": [{"role": "user", "content": content}]}


def parts(*content: Any) -> dict[str, Any]:
    return user(list(content))


def assistant(**fields: Any) -> dict[str, Any]:
    """``messages=`` with a user turn, then an assistant turn with ``fields``."""
    return {"messages": [USER, {"role": "assistant", "content": None, **fields}]}


def tool_result(**fields: Any) -> dict[str, Any]:
    """``messages=`` with a tool call, then its result with ``fields``."""
    result = {"role": "tool", "tool_call_id": "call_1", "content": "r", **fields}
    return {"messages": [*assistant(tool_calls=[CALL])["messages"], result]}


def call_with(**function: Any) -> dict[str, Any]:
    return assistant(tool_calls=[{**CALL, "function": function}])


def tool(parameters: Any, name: str = "get_weather", **spec: Any) -> dict[str, Any]:
    return {
        "tools": [
            {"type": "function", "function": {"name": name, "parameters": parameters, **spec}}
        ]
    }


def circular() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    return loop


#: id -> (the call's keyword arguments beyond model, messages and api; the error's words).
SHAPES: dict[str, tuple[dict[str, Any], str]] = {
    # messages as a whole, and each message
    "messages-str": ({"messages": "hi"}, r"^messages must be a list of messages .* not str 'hi'"),
    "messages-none": ({"messages": None}, r"^messages must be a list .* not None"),
    "messages-dict": ({"messages": USER}, r"^messages must be a list .* not dict"),
    "messages-int": ({"messages": 5}, r"^messages must be a list .* not int 5"),
    "message-str": ({"messages": ["hi"]}, r"^messages\[0\] must be a message mapping .* str 'hi'"),
    "message-none": ({"messages": [None]}, r"^messages\[0\] must be a message mapping .* None"),
    "message-list": ({"messages": [USER, [USER]]}, r"^messages\[1\] must be a message mapping"),
    # roles
    "role-unknown": (
        {"messages": [{"role": "narrator"}]},
        r"^messages\[0\]\.role must be one of 'system', .* not str 'narrator'",
    ),
    "role-int": ({"messages": [{"role": 5, "content": "x"}]}, r"^messages\[0\]\.role .* int 5"),
    "role-missing": ({"messages": [USER, {"content": "x"}]}, r"^messages\[1\]\.role .* None"),
    "role-function": (
        {"messages": [{"role": "function", "content": "x"}]},
        r"^messages\[0\]\.role",
    ),
    # content and content parts
    "content-int": (
        user(5),
        r"^messages\[0\]\.content must be text, a list of content parts or None, not int 5",
    ),
    "content-dict": (user({"text": "x"}), r"^messages\[0\]\.content must be text"),
    "content-bytes": (user(b"hi"), r"^messages\[0\]\.content must be text"),
    "part-int": (parts("ok", 5), r"^messages\[0\]\.content\[1\] must be a content part"),
    "part-no-type": (parts({"text": "x"}), r"^messages\[0\]\.content\[0\] must be a content part"),
    "part-text-int": (
        parts({"type": "text", "text": 5}),
        r"^messages\[0\]\.content\[0\]\.text must be text, not int 5",
    ),
    "image-int": (
        parts({"type": "image_url", "image_url": 5}),
        r"^messages\[0\]\.content\[0\]\.image_url must be",
    ),
    "image-no-url": (
        parts({"type": "image_url", "image_url": {"detail": "low"}}),
        r"^messages\[0\]\.content\[0\]\.image_url\.url must be text",
    ),
    "image-bytes": (
        parts({"type": "image_url", "image_url": "data:,", "raw": b"\x89"}),
        r"^messages\[0\]\.content\[0\]\.raw is bytes .* which JSON cannot carry",
    ),
    "file-str": (
        parts({"type": "file", "file": "x.pdf"}),
        r"^messages\[0\]\.content\[0\]\.file must be a mapping",
    ),
    "audio-no-format": (
        parts({"type": "input_audio", "input_audio": {"data": "AA"}}),
        r"^messages\[0\]\.content\[0\]\.input_audio\.format must be text",
    ),
    "cache-control-str": (
        {"messages": [{**USER, "cache_control": "x"}]},
        r"^messages\[0\]\.cache_control must be a mapping",
    ),
    "name-int": ({"messages": [{**USER, "name": 5}]}, r"^messages\[0\]\.name must be text"),
    # lone surrogates, named by their field
    "surrogate-content": (
        {"messages": [USER, {"role": "user", "content": "a\ud800b"}]},
        r"^messages\[1\]\.content contains a lone surrogate '\\ud800' at index 1",
    ),
    "surrogate-part": (
        parts({"type": "text", "text": "\udc80"}),
        r"^messages\[0\]\.content\[0\]\.text contains a lone surrogate",
    ),
    "surrogate-system": (
        {"messages": [{"role": "system", "content": "\udcff"}, USER]},
        r"^messages\[0\]\.content contains a lone surrogate",
    ),
    "surrogate-tool-result": (
        tool_result(content="\ud83d"),
        r"^messages\[2\]\.content contains a lone surrogate",
    ),
    "surrogate-arguments": (
        call_with(name="f", arguments='{"q": "\ud800"}'),
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments contains a lone surrogate",
    ),
    "surrogate-description": (
        tool({}, description="\udfff"),
        rf"^{WEATHER}\.description contains a lone surrogate",
    ),
    "surrogate-key": (
        tool({"properties": {"\ud800": {}}}),
        rf"^{WEATHER}\.parameters\.properties key '\\ud800' contains a lone surrogate",
    ),
    "surrogate-model": ({"model": "gpt-\ud800"}, r"^model contains a lone surrogate"),
    "surrogate-stop": ({"stop": ["ok", "\udc00"]}, r"^stop\[1\] contains a lone surrogate"),
    "surrogate-extra-body": (
        {"extra_body": {"tag": "\udc00"}},
        r"^extra_body\.tag contains a lone surrogate",
    ),
    # assistant turns and tool results
    "tool-calls-str": (assistant(tool_calls="f"), r"^messages\[1\]\.tool_calls must be a list"),
    "tool-call-none": (
        assistant(tool_calls=[None]),
        r"^messages\[1\]\.tool_calls\[0\] must be a tool call",
    ),
    "tool-call-no-name": (
        call_with(arguments="{}"),
        r"^messages\[1\]\.tool_calls\[0\]\.function\.name must be the tool's name, not None",
    ),
    "tool-call-arguments-int": (
        call_with(name="f", arguments=5),
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments must be JSON text or a mapping",
    ),
    "tool-call-arguments-date": (
        call_with(name="f", arguments={"when": DAY}),
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments\.when is date",
    ),
    "reasoning-content-int": (
        assistant(reasoning_content=5),
        r"^messages\[1\]\.reasoning_content must be text",
    ),
    "thinking-blocks-str": (
        assistant(thinking_blocks="x"),
        r"^messages\[1\]\.thinking_blocks must be a list",
    ),
    "tool-call-id-int": (tool_result(tool_call_id=1), r"^messages\[2\]\.tool_call_id must be text"),
    "tool-result-dict": (
        tool_result(content={"temp": 21}),
        r"^messages\[2\]\.content must be text",
    ),
    "tool-is-error-str": (
        tool_result(is_error="yes"),
        r"^messages\[2\]\.is_error must be True or False",
    ),
    # tools: a schema JSON cannot carry names the tool
    "tools-str": ({"tools": "get_weather"}, r"^tools must be a list of tool mappings, not str"),
    "tools-dict": ({"tools": TOOL}, r"^tools must be a list of tool mappings, not dict"),
    "tool-int": ({"tools": [TOOL, 5]}, r"^tools\[1\] must be a tool mapping"),
    "schema-date": (
        tool({"properties": {"day": {"default": DAY}}}),
        rf"^{WEATHER}\.parameters\.properties\.day\.default is date datetime\.date\(2026, 1, 1\),"
        " which JSON cannot carry",
    ),
    "schema-set": (
        {"tools": [TOOL, *tool({"enum": {"a"}}, name="pick")["tools"]]},
        r"^tools\[1\] \(tool 'pick'\)\.function\.parameters\.enum is set",
    ),
    "schema-nan": (
        tool({"maximum": math.nan}),
        rf"^{WEATHER}\.parameters\.maximum is nan, which JSON cannot carry",
    ),
    "schema-object": (
        tool({"properties": {"x": object()}}),
        rf"^{WEATHER}\.parameters\.properties\.x is object",
    ),
    "schema-circular": (
        tool(circular()),
        rf"^{WEATHER}\.parameters\.self\.self.* nests more than {MAX_DEPTH} levels",
    ),
    "schema-int-key": (
        tool({"properties": {1: {}}}),
        rf"^{WEATHER}\.parameters\.properties has a key that is not text: 1",
    ),
    "schema-mappingproxy": (tool(MappingProxyType({})), rf"^{WEATHER}\.parameters is mappingproxy"),
    "parameters-str": (tool("object"), rf"^{WEATHER}\.parameters must be a JSON schema"),
    "function-str": (
        {"tools": [{"type": "function", "function": "f"}]},
        r"^tools\[0\]\.function must be a mapping",
    ),
    "tool-name-int": (
        {"tools": [{"type": "function", "name": 5}]},
        r"^tools\[0\]\.name must be text",
    ),
    "responses-tool-date": (
        {"tools": [{"type": "function", "name": "lookup", "parameters": {"x": DAY}}]},
        r"^tools\[0\] \(tool 'lookup'\)\.parameters\.x is date",
    ),
    # tool_choice
    "tool-choice-int": (
        {"tools": [TOOL], "tool_choice": 5},
        r"^tool_choice must be 'auto', 'none', 'required', a tool's name, True or a mapping,"
        " not int 5",
    ),
    "tool-choice-list": ({"tools": [TOOL], "tool_choice": ["f"]}, r"^tool_choice must be"),
    "tool-choice-date": (
        {"tools": [TOOL], "tool_choice": {"type": "auto", "at": DAY}},
        r"^tool_choice\.at is date",
    ),
    # options of the wrong type
    "model-int": ({"model": 5}, r"^model must be text, not int 5"),
    "temperature-str": ({"temperature": "hot"}, r"^temperature must be a number, not str 'hot'"),
    "temperature-bool": ({"temperature": True}, r"^temperature must be a number, not bool True"),
    "top-p-nan": ({"top_p": math.nan}, r"^top_p must be a finite number, not nan"),
    "max-tokens-str": ({"max_tokens": "10"}, r"^max_tokens must be an integer, not str '10'"),
    "max-tokens-float": ({"max_tokens": 10.5}, r"^max_tokens must be an integer, not float 10.5"),
    "top-k-bool": ({"top_k": True}, r"^top_k must be an integer"),
    "stop-int": ({"stop": 5}, r"^stop must be text or a list of texts, not int 5"),
    "stop-mixed": ({"stop": ["a", 5]}, r"^stop must be text or a list of texts"),
    "include-str": (
        {"include": "reasoning.encrypted_content"},
        r"^include must be a list of texts",
    ),
    "stream-usage-str": ({"stream_usage": "yes"}, r"^stream_usage must be True or False"),
    "parallel-int": ({"parallel_tool_calls": 1}, r"^parallel_tool_calls must be True or False"),
    "reasoning-str": ({"reasoning": "high"}, r"^reasoning must be a mapping, not str 'high'"),
    "reasoning-effort-int": ({"reasoning_effort": 3}, r"^reasoning_effort must be text"),
    "thinking-date": ({"thinking": {"type": "enabled", "until": DAY}}, r"^thinking\.until is date"),
    "metadata-list": ({"metadata": ["a"]}, r"^metadata must be a mapping"),
    "extra-body-set": ({"extra_body": {"tags": {"a"}}}, r"^extra_body\.tags is set"),
    "extra-body-list": ({"extra_body": [("a", 1)]}, r"^extra_body must be a mapping"),
    "extra-headers-int": (
        {"extra_headers": {"X-Trace": 5}},
        r"^extra_headers\['X-Trace'\] must be ASCII text, not int 5",
    ),
    "extra-headers-unicode": (
        {"extra_headers": {"X-Trace": "café"}},
        r"^extra_headers\['X-Trace'\] must be ASCII text",
    ),
    "extra-headers-list": (
        {"extra_headers": [("X-Trace", "1")]},
        r"^extra_headers must be a mapping",
    ),
    "timeout-str": (
        {"timeout": "5"},
        r"^timeout must be seconds or an httpx\.Timeout, not str '5'",
    ),
    "timeout-negative": ({"timeout": -1}, r"^timeout must be a positive number, not -1"),
    "deadline-str": ({"deadline": "soon"}, r"^deadline must be a number, not str 'soon'"),
    "resume-str": ({"resume": "yes"}, r"^resume must be True or False"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    """One local server for the module: the tests check that its request count never moves."""
    with DevServer() as running:
        yield running


def _calls(api: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    for name, (shape, match) in SHAPES.items():
        yield name, {"model": "gpt-4o-mini", "messages": [USER], "api": api, **shape}, match


def _verdict(name: str, raised: BaseException | None, match: str) -> str | None:
    """``None`` when ``raised`` is a ConfigurationError whose message matches ``match``;
    otherwise what happened instead, for the failure report."""
    if isinstance(raised, ConfigurationError):
        return None if re.search(match, raised.message) else f"{name}: {raised.message!r}"
    if raised is None:
        return f"{name}: no error"
    return f"{name}: {type(raised).__name__}: {raised}"


@pytest.mark.parametrize("api", ["responses", "chat", "messages", "auto"])
def test_the_sync_client_refuses_each_shape_by_position_before_any_request(
    api: str, server: DevServer
) -> None:
    before = len(server.requests)
    wrong: list[str | None] = []
    with LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        for name, call, match in _calls(api):
            raised: BaseException | None = None
            try:
                with client.stream(**call) as events:
                    list(events)
            except Exception as exc:
                raised = exc
            wrong.append(_verdict(name, raised, match))
            raised = None
            try:
                client.create(**call)
            except Exception as exc:
                raised = exc
            wrong.append(_verdict(f"{name} (create)", raised, match))
    assert [w for w in wrong if w] == []
    assert len(server.requests) == before


@pytest.mark.parametrize("api", ["responses", "chat", "messages", "auto"])
def test_the_async_client_refuses_each_shape_by_position_before_any_request(
    api: str, server: DevServer
) -> None:
    async def go() -> list[str | None]:
        wrong: list[str | None] = []
        async with AsyncLemonDataClient(
            api_key=KEY, base_url=server.base_url, max_retries=0
        ) as client:
            for name, call, match in _calls(api):
                raised: BaseException | None = None
                try:
                    async with client.stream(**call) as events:
                        async for _ in events:
                            pass
                except Exception as exc:
                    raised = exc
                wrong.append(_verdict(name, raised, match))
                raised = None
                try:
                    await client.create(**call)
                except Exception as exc:
                    raised = exc
                wrong.append(_verdict(f"{name} (create)", raised, match))
        return wrong

    before = len(server.requests)
    assert [w for w in asyncio.run(go()) if w] == []
    assert len(server.requests) == before


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_every_accepted_shape_still_goes_through(api: str, server: DevServer) -> None:
    """What the checks accept: tuples, any mapping as a message, text and part lists, tool
    calls with mapping arguments, tools in either shape, an ``httpx.Timeout``, ``None`` for
    an option, and non-ASCII text that is valid Unicode."""
    messages = (
        MappingProxyType({"role": "system", "content": "Be brief 🍋."}),
        {"role": "user", "content": [{"type": "text", "text": "Weather in Zürich? 😀"}]},
        call_with(name="f", arguments={"c": "Zürich"})["messages"][1],
        {"role": "tool", "tool_call_id": "call_1", "content": "21 °C", "is_error": False},
    )
    before = len(server.requests)
    with LemonDataClient(api_key=KEY, base_url=server.base_url) as client:
        result = client.create(
            model="gpt-4o-mini",
            api=api,  # type: ignore[arg-type]
            messages=messages,  # type: ignore[arg-type]
            tools=(TOOL, {"type": "function", "name": "g", "parameters": {"type": "object"}}),
            tool_choice="auto",
            temperature=0,
            max_tokens=50,
            stop=("END",) if api != "responses" else None,
            timeout=httpx.Timeout(5.0),
            seed=None,
            extra_headers={"X-Trace": "abc"},
        )
    assert result.text or result.tool_calls
    assert len(server.requests) == before + 1
