"""Malformed LlamaIndex input is a typed error before any request, through ``chat``,
``stream_chat``, ``achat``, ``astream_chat`` and the ``complete`` family: lone surrogates,
tool calls and tool schemas JSON cannot carry, options of the wrong type, prompts that are
not text, messages that are not ``ChatMessage``. A real local server must have received
nothing."""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core.llms import ChatMessage
from pydantic import ValidationError

from lemon_adapters import ConfigurationError
from lemon_adapters.llama_index import LemonData
from lemon_adapters.testing import DevServer

DAY = datetime.date(2026, 1, 1)
USER = ChatMessage(role="user", content="x")


def asked(role: str, **fields: Any) -> list[ChatMessage]:
    return [USER, ChatMessage(role=role, **fields)]


def legacy_call(arguments: Any) -> dict[str, Any]:
    call = {"id": "call_1", "function": {"name": "lookup", "arguments": arguments}}
    return {"content": "", "additional_kwargs": {"tool_calls": [call]}}


def bad_tool() -> dict[str, Any]:
    params = {"type": "object", "properties": {"day": {"default": DAY}}}
    return {"type": "function", "function": {"name": "lookup", "parameters": params}}


#: id -> (messages, call keyword arguments, the error's words).
CASES: dict[str, tuple[list[ChatMessage], dict[str, Any], str]] = {
    "surrogate-user": (
        [ChatMessage(role="user", content="lemons \ud83c")],
        {},
        r"^messages\[0\]\.content contains a lone surrogate '\\ud83c' at index 7",
    ),
    "surrogate-system": (
        [ChatMessage(role="system", content="\udcff"), USER],
        {},
        r"^messages\[0\]\.content contains a lone surrogate",
    ),
    "surrogate-tool-result": (
        asked("tool", content="\udc80", additional_kwargs={"tool_call_id": "c"}),
        {},
        r"^messages\[1\]\.content contains a lone surrogate",
    ),
    "tool-call-arguments-date": (
        asked("assistant", **legacy_call({"d": DAY})),
        {},
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments\.d is date",
    ),
    "tool-call-arguments-surrogate": (
        asked("assistant", **legacy_call('{"q": "\ud800"}')),
        {},
        r"^messages\[1\]\.tool_calls\[0\]\.function\.arguments contains a lone surrogate",
    ),
    "tool-call-id-int": (
        asked("tool", content="r", additional_kwargs={"tool_call_id": 5}),
        {},
        r"^messages\[1\]\.tool_call_id must be text",
    ),
    "tool-schema-date": (
        [USER],
        {"tools": [bad_tool()]},
        r"^tools\[0\] \(tool 'lookup'\)\.function\.parameters\.properties\.day\.default is date",
    ),
    "temperature-str": (
        [USER],
        {"temperature": "hot"},
        r"^temperature must be a number, not str 'hot'",
    ),
    "max-tokens-str": ([USER], {"max_tokens": "10"}, r"^max_tokens must be an integer"),
    "stop-int": ([USER], {"stop": 5}, r"^stop must be text or a list of texts, not int 5"),
    "extra-body-set": ([USER], {"extra_body": {"tags": {"a"}}}, r"^extra_body\.tags is set"),
    "provider-kwarg-date": ([USER], {"top_a": DAY}, r"^extra_body\.top_a is date"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    with DevServer() as running:
        yield running


def _chat_outcomes(
    llm: LemonData, runs: list[tuple[Any, dict[str, Any]]]
) -> list[dict[str, BaseException | None]]:
    """What each ``(messages, kwargs)`` raised through ``chat``, ``stream_chat``, ``achat``
    and ``astream_chat`` (the async ones on one event loop)."""

    async def one(messages: Any, kwargs: dict[str, Any]) -> dict[str, BaseException | None]:
        out: dict[str, BaseException | None] = {"achat": None, "astream_chat": None}
        try:
            await llm.achat(messages, **kwargs)
        except Exception as exc:
            out["achat"] = exc
        try:
            async for _ in await llm.astream_chat(messages, **kwargs):
                pass
        except Exception as exc:
            out["astream_chat"] = exc
        return out

    async def run_async() -> list[dict[str, BaseException | None]]:
        return [await one(messages, kwargs) for messages, kwargs in runs]

    sync = [
        {
            "chat": _raised(lambda: llm.chat(messages, **kwargs)),  # noqa: B023
            "stream_chat": _raised(lambda: list(llm.stream_chat(messages, **kwargs))),  # noqa: B023
        }
        for messages, kwargs in runs
    ]
    return [{**a, **b} for a, b in zip(sync, asyncio.run(run_async()), strict=True)]


def _complete_entry_points(llm: LemonData) -> dict[str, Callable[[Any], Any]]:
    async def astream(prompt: Any) -> None:
        async for _ in await llm.astream_complete(prompt):
            pass

    return {
        "complete": llm.complete,
        "stream_complete": lambda prompt: list(llm.stream_complete(prompt)),
        "acomplete": lambda prompt: asyncio.run(llm.acomplete(prompt)),
        "astream_complete": lambda prompt: asyncio.run(astream(prompt)),
    }


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
    llm = LemonData(model="gpt-4o-mini", api=api, api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    wrong = []
    outcomes = _chat_outcomes(llm, [(messages, kwargs) for messages, kwargs, _ in CASES.values()])
    for (case, (_, _, match)), outcome in zip(CASES.items(), outcomes, strict=True):
        for entry, exc in outcome.items():
            if not (isinstance(exc, ConfigurationError) and re.search(match, exc.message)):
                wrong.append(f"{case} via {entry}: {type(exc).__name__}: {exc}")
    assert wrong == []
    assert len(server.requests) == before


@pytest.mark.parametrize("prompt", [5, None, b"hi", ["hi"]])
def test_a_prompt_that_is_not_text_is_refused(prompt: Any, server: DevServer) -> None:
    """``ChatMessage(content=5)`` would be empty text: the question would be lost."""
    llm = LemonData(model="gpt-4o-mini", api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    for run in _complete_entry_points(llm).values():
        with pytest.raises(ConfigurationError, match=r"^prompt must be text, not"):
            run(prompt)
    assert len(server.requests) == before


@pytest.mark.parametrize("messages", ["hi", ["hi"], [None], None, [USER, 5]])
def test_messages_that_are_not_chat_messages_never_reach_the_server(
    messages: Any, server: DevServer
) -> None:
    """LlamaIndex's own callback validates them first (a pydantic error naming
    ``messages``); the adapter refuses them by position as well, for paths without it."""
    llm = LemonData(model="gpt-4o-mini", api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    for exc in _chat_outcomes(llm, [(messages, {})])[0].values():
        assert isinstance(exc, ValidationError | ConfigurationError), exc
        assert "messages" in str(exc)
    with pytest.raises(ConfigurationError, match=r"^messages(\[\d\])? must be"):
        llm._request(messages, {})
    assert len(server.requests) == before


def test_well_formed_input_still_goes_through(server: DevServer) -> None:
    llm = LemonData(model="gpt-4o-mini", api_key="sk-x", base_url=server.base_url)
    before = len(server.requests)
    answer = llm.chat(
        [
            ChatMessage(role="system", content="Be brief 🍋."),
            ChatMessage(role="user", content="Zürich? 😀"),
            ChatMessage(role="assistant", **legacy_call({"city": "Zürich"})),
            ChatMessage(role="tool", content="21 °C", additional_kwargs={"tool_call_id": "call_1"}),
        ],
        temperature=0,
    )
    assert answer.message.content
    assert len(server.requests) == before + 1
