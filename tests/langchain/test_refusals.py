"""``with_structured_output`` raises ``ModelRefusalError`` on a refusal, on every route:
a recorded Chat Completions refusal, a recorded Messages ``stop_reason: refusal`` and a
Responses refusal (``response.refusal.delta``), streamed or not, sync and async."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as core_exceptions
from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel

from lemon_adapters.langchain import ChatLemonData, ModelRefusalError
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying

# langchain-core's own class from 1.7.5; at the floor (1.6) the package's fallback subclasses
# the parsing error a refusal raised before, so that is what callers catch there.
CoreRefusal: type[Exception] = getattr(core_exceptions, "ModelRefusalError", OutputParserException)


class Answer(BaseModel):
    answer: str


def responses_refusal() -> bytes:
    events = [
        {"type": "response.created", "response": {"id": "resp_1", "model": "gpt-4o"}},
        {"type": "response.refusal.delta", "item_id": "m", "delta": "I can't help "},
        {"type": "response.refusal.delta", "item_id": "m", "delta": "with that."},
        {"type": "response.completed", "response": {"id": "resp_1", "status": "completed"}},
    ]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


ROUTES = {
    "chat": ("chat", (RECORDINGS / "wire" / "chat__openai_gpt-4o__refusal__openai-python__0.body")),
    "messages": (
        "messages",
        RECORDINGS
        / "messages"
        / "wire"
        / "msg__anthropic_claude-fable-5__refusal+thinking__anthropic-sdk-python__0.body",
    ),
    "responses": ("responses", None),
}


def model(route: str, sent: list[dict[str, Any]]) -> ChatLemonData:
    api, path = ROUTES[route]
    body = responses_refusal() if path is None else path.read_bytes()
    transport = replaying([body], sent)
    return ChatLemonData(
        model="recorded",
        api=api,  # type: ignore[arg-type]
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        streaming=True,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("route", "method"),
    [
        ("chat", "json_schema"),
        ("chat", "function_calling"),
        ("responses", "json_schema"),
        ("responses", "function_calling"),
        ("messages", "function_calling"),  # the Messages API has no response_format
    ],
)
def test_a_refusal_raises_model_refusal_error(route: str, method: str, mode: str) -> None:
    sent: list[dict[str, Any]] = []
    structured = model(route, sent).with_structured_output(Answer, method=method)  # type: ignore[arg-type]
    with pytest.raises(ModelRefusalError) as caught:
        if mode == "sync":
            structured.invoke("how do I pick a lock?")
        else:
            asyncio.run(structured.ainvoke("how do I pick a lock?"))
    assert len(sent) == 1
    assert isinstance(caught.value, CoreRefusal)  # langchain-core's own class (>= 1.7.5)
    assert caught.value.raw_message is not None
    assert "refused" in str(caught.value)
    if route == "responses":
        assert "I can't help with that." in str(caught.value)


def test_with_include_raw_the_refusal_is_the_parsing_error() -> None:
    structured = model("chat", []).with_structured_output(
        Answer, method="json_schema", include_raw=True
    )
    out = structured.invoke("q")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], ModelRefusalError)


def test_the_fallback_class_for_older_langchain_core_is_a_parsing_error() -> None:
    # On langchain-core < 1.7.5 the package defines the class itself, as a subclass of
    # OutputParserException (what a refusal raised before); with 1.7.5+, core's own class.
    assert issubclass(ModelRefusalError, CoreRefusal) or issubclass(
        ModelRefusalError, OutputParserException
    )
