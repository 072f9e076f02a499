"""LlamaIndex structured prediction raises ``ModelRefusalError`` (naming the refusal) on a
recorded Chat Completions refusal and a recorded Messages ``stop_reason: refusal``, whole
and streamed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from lemon_adapters.llama_index import LemonData, ModelRefusalError
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying

CHAT = RECORDINGS / "wire" / "chat__openai_gpt-4o__refusal__openai-python__0.body"
MESSAGES = (
    RECORDINGS
    / "messages"
    / "wire"
    / "msg__anthropic_claude-fable-5__refusal+thinking__anthropic-sdk-python__0.body"
)
PROMPT = PromptTemplate("Tell me {topic}.")


class Answer(BaseModel):
    answer: str


def llm_for(api: str, sent: list[dict[str, Any]], **kwargs: Any) -> LemonData:
    body = (CHAT if api == "chat" else MESSAGES).read_bytes()
    transport = replaying([body], sent)
    return LemonData(
        model="recorded",
        api=api,
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("api", "mode"), [("chat", "json_schema"), ("chat", "tool_call"), ("messages", "tool_call")]
)
def test_structured_predict_names_the_refusal(api: str, mode: str) -> None:
    sent: list[dict[str, Any]] = []
    llm = llm_for(api, sent, structured_output=mode)
    with pytest.raises(ModelRefusalError, match="refused") as caught:
        llm.structured_predict(Answer, PROMPT, topic="how to pick a lock")
    assert len(sent) == 1
    assert caught.value.response.raw["refused"] is True  # type: ignore[index]
    if api == "chat":
        assert caught.value.refusal and caught.value.refusal in str(caught.value)
    with pytest.raises(ModelRefusalError):
        asyncio.run(llm.astructured_predict(Answer, PROMPT, topic="x"))


def test_streamed_structured_prediction_raises_at_the_refusal() -> None:
    llm = llm_for("chat", [], structured_output="json_schema")
    with pytest.raises(ModelRefusalError):
        for _ in llm.stream_structured_predict(Answer, PROMPT, topic="x"):
            pass
