"""Malformed LangChain input is a typed error before any request, through ``invoke``,
``ainvoke``, ``stream`` and ``astream``: messages langchain-core cannot convert, lone
surrogates, tool schemas JSON cannot carry, options of the wrong type. The core names the
position (``messages[1].content``, ``tools[0] (tool 'f')``); a real local server must have
received nothing."""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage
from langchain_core.messages import ToolMessage as LCToolMessage

from lemon_adapters import ConfigurationError
from lemon_adapters.langchain import ChatLemonData
from lemon_adapters.testing import DevServer

DAY = datetime.date(2026, 1, 1)
CALL = {"name": "lookup", "args": {}, "id": "call_1"}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
}


def bad_tool() -> dict[str, Any]:
    params = {"type": "object", "properties": {"day": {"type": "string", "default": DAY}}}
    return {"type": "function", "function": {"name": "lookup", "parameters": params}}


#: id -> (what the model is given: (input, bind/call keyword arguments), the error's words).
CASES: dict[str, tuple[Any, dict[str, Any], str]] = {
    "surrogate-human": (
        [HumanMessage("lemons \ud83c")],
        {},
        r"^messages\[0\]\.content contains a lone surrogate '\\ud83c' at index 7",
    ),
    "surrogate-string-input": (
        "sour \udce9",
        {},
        r"^messages\[0\]\.content contains a lone surrogate",
    ),
    "surrogate-system": (
        [SystemMessage("be \udcff"), HumanMessage("x")],
        {},
        r"^messages\[0\]\.content contains a lone surrogate",
    ),
    "surrogate-tool-args": (
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[{**CALL, "args": {"q": "\ud800"}}]),
            LCToolMessage("r", tool_call_id="call_1"),
        ],
        {},
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments contains a lone surrogate",
    ),
    "surrogate-tool-result": (
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[CALL]),
            LCToolMessage("\udc80", tool_call_id="call_1"),
        ],
        {},
        r"^messages\[2\]\.content contains a lone surrogate",
    ),
    "text-block-without-text": (
        [HumanMessage(content=[{"type": "text"}])],
        {},
        r"^messages\[0\] \(HumanMessage\) cannot be sent: KeyError",
    ),
    "tool-call-args-date": (
        [HumanMessage("x"), AIMessage("", tool_calls=[{**CALL, "args": {"d": DAY}}])],
        {},
        r"^messages\[1\] \(AIMessage\) cannot be sent: TypeError: .*date",
    ),
    "tool-result-part-date": (
        [
            HumanMessage("x"),
            AIMessage("", tool_calls=[CALL]),
            LCToolMessage([{"type": "lemon_data", "v": DAY}], tool_call_id="call_1"),
        ],
        {},
        r"^messages\[2\]\.content\[0\]\.v is date",
    ),
    "image-without-url": (
        [HumanMessage(content=[{"type": "image_url", "image_url": {}}])],
        {},
        r"^messages\[0\]\.content\[0\]\.image_url\.url must be text",
    ),
    "unknown-role": (
        [ChatMessage(role="narrator", content="x")],
        {},
        r"^messages\[0\]\.role must be one of .* 'narrator'",
    ),
    "tool-schema-date": (
        "x",
        {"tools": [bad_tool()]},
        r"^tools\[0\] \(tool 'lookup'\)\.function\.parameters\.properties\.day\.default is date",
    ),
    "tool-choice-int": ("x", {"tools": [TOOL], "tool_choice": 5}, r"^tool_choice must be"),
    "temperature-str": (
        "x",
        {"temperature": "hot"},
        r"^temperature must be a number, not str 'hot'",
    ),
    "max-tokens-str": ("x", {"max_tokens": "10"}, r"^max_tokens must be an integer"),
    "stop-int": ("x", {"stop": 5}, r"^stop must be text or a list of texts, not int 5"),
    "extra-body-set": ("x", {"extra_body": {"tags": {"a"}}}, r"^extra_body\.tags is set"),
    "provider-kwarg-date": ("x", {"top_a": DAY}, r"^extra_body\.top_a is date"),
}

#: Input langchain-core refuses itself before the model sees it (as for any chat model).
FRAMEWORK: dict[str, Any] = {"int": 5, "none": None, "list-of-none": [None], "list-of-int": [5]}


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    with DevServer() as running:
        yield running


def _sync_outcomes(model: Any, value: Any) -> dict[str, BaseException | None]:
    return {
        "invoke": _raised(lambda: model.invoke(value)),
        "stream": _raised(lambda: list(model.stream(value))),
    }


async def _async_outcomes(model: Any, value: Any) -> dict[str, BaseException | None]:
    out: dict[str, BaseException | None] = {"ainvoke": None, "astream": None}
    try:
        await model.ainvoke(value)
    except Exception as exc:
        out["ainvoke"] = exc
    try:
        async for _ in model.astream(value):
            pass
    except Exception as exc:
        out["astream"] = exc
    return out


def _outcomes(runs: list[tuple[Any, Any]]) -> list[dict[str, BaseException | None]]:
    """What each ``(model, input)`` raised through the four entry points (the async ones
    on one event loop)."""

    async def run_async() -> list[dict[str, BaseException | None]]:
        return [await _async_outcomes(model, value) for model, value in runs]

    sync = [_sync_outcomes(model, value) for model, value in runs]
    return [{**a, **b} for a, b in zip(sync, asyncio.run(run_async()), strict=True)]


def _raised(run: Callable[[], Any]) -> BaseException | None:
    try:
        run()
    except Exception as exc:
        return exc
    return None


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_malformed_input_is_a_configuration_error_naming_the_position(
    api: str, server: DevServer
) -> None:
    llm = ChatLemonData(model="gpt-4o-mini", api=api, api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    wrong = []
    runs = [(llm.bind(**bound) if bound else llm, value) for value, bound, _ in CASES.values()]
    for (case, (_, _, match)), outcome in zip(CASES.items(), _outcomes(runs), strict=True):
        for entry, exc in outcome.items():
            if not (isinstance(exc, ConfigurationError) and re.search(match, exc.message)):
                wrong.append(f"{case} via {entry}: {type(exc).__name__}: {exc}")
    assert wrong == []
    assert len(server.requests) == before


def test_what_langchain_refuses_itself_never_reaches_the_server(server: DevServer) -> None:
    llm = ChatLemonData(model="gpt-4o-mini", api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    for outcome in _outcomes([(llm, value) for value in FRAMEWORK.values()]):
        for exc in outcome.values():
            # langchain-core's own coercion errors (its MESSAGE_COERCION_FAILURE).
            assert isinstance(exc, ValueError | NotImplementedError), exc
    assert len(server.requests) == before


def test_well_formed_input_still_goes_through(server: DevServer) -> None:
    llm = ChatLemonData(model="gpt-4o-mini", api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    answer = llm.bind_tools([TOOL]).invoke(
        [
            SystemMessage("Be brief 🍋."),
            HumanMessage([{"type": "text", "text": "Zürich? 😀"}]),
            AIMessage("", tool_calls=[{**CALL, "args": {"city": "Zürich"}}]),
            LCToolMessage("21 °C", tool_call_id="call_1"),
        ],
        temperature=0,
        stop=["END"],
    )
    assert answer.content or answer.tool_calls
    assert len(server.requests) == before + 1
