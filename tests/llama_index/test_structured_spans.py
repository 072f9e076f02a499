"""The structured-output overrides emit what LlamaIndex's ``LLM`` emits: one dispatcher
span named after the method, a ``LLMStructuredPredictStartEvent`` before the LLM call and a
``LLMStructuredPredictEndEvent`` carrying the object after it (streamed: the in-progress
events too, from the base class's own ``stream_structured_predict``), whichever way the
object is asked for (a forced tool call, json_schema, or LlamaIndex's own program)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.bridge.pydantic import Field
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span_handlers import SimpleSpanHandler
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from lemon_adapters.llama_index import LemonData
from tests.conftest import RECORDINGS
from tests.langchain.test_recordings import replaying

PROMPT = PromptTemplate("Weather in {city}?")
#: A recorded tool call answering {"location": ...}: the object is built from it.
TOOL = RECORDINGS / "wire" / "chat__openai_gpt-4o__single-tool__fantasy__0.body"


class Weather(BaseModel):
    location: str


class Recorder(BaseEventHandler):
    events: list[BaseEvent] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "StructuredRecorder"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(event)


@pytest.fixture
def recorded() -> Iterator[tuple[Recorder, SimpleSpanHandler]]:
    root = get_dispatcher()
    events, spans = Recorder(), SimpleSpanHandler()
    root.add_event_handler(events)
    root.add_span_handler(spans)
    yield events, spans
    root.event_handlers.remove(events)
    root.span_handlers.remove(spans)


def llm(**kwargs: Any) -> LemonData:
    transport = replaying([TOOL.read_bytes()], [])
    return LemonData(
        model="recorded",
        api="chat",
        api_key="sk-test-123456",
        base_url="http://lemon.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        **kwargs,
    )


def structured(events: Recorder) -> list[str]:
    return [type(e).__name__ for e in events.events if "StructuredPredict" in type(e).__name__]


def span_names(spans: SimpleSpanHandler, method: str) -> list[str]:
    ended = [*spans.completed_spans, *spans.dropped_spans]  # dropped: ended by an error
    return [s.id_ for s in ended if s.id_.startswith(f"LemonData.{method}-")]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_structured_predict_emits_the_base_class_span_and_events(
    recorded: tuple[Recorder, SimpleSpanHandler], mode: str
) -> None:
    events, spans = recorded
    model = llm()
    if mode == "sync":
        out = model.structured_predict(Weather, PROMPT, city="Paris")
        method = "structured_predict"
    else:
        out = asyncio.run(model.astructured_predict(Weather, PROMPT, city="Paris"))
        method = "astructured_predict"
    assert out.location
    assert structured(events) == ["LLMStructuredPredictStartEvent", "LLMStructuredPredictEndEvent"]
    names = [type(e).__name__ for e in events.events]
    # The start comes before the LLM call, the end after it, with the object.
    assert names.index("LLMStructuredPredictStartEvent") < names.index("LLMChatStartEvent")
    assert names.index("LLMChatEndEvent") < names.index("LLMStructuredPredictEndEvent")
    end = [e for e in events.events if type(e).__name__ == "LLMStructuredPredictEndEvent"]
    assert end[0].output == out  # type: ignore[attr-defined]
    assert len(span_names(spans, method)) == 1


def test_llamaindex_own_program_inside_the_span_emits_its_events_once(
    recorded: tuple[Recorder, SimpleSpanHandler],
) -> None:
    events, spans = recorded
    model = llm(pydantic_program_mode=PydanticProgramMode.LLM)
    with pytest.raises(ValueError):  # a tool-call answer is no JSON text for LLM mode
        model.structured_predict(Weather, PROMPT, city="Paris")
    assert structured(events) == ["LLMStructuredPredictStartEvent"]
    assert len(span_names(spans, "structured_predict")) == 1


def test_streamed_structured_prediction_emits_in_progress_events(
    recorded: tuple[Recorder, SimpleSpanHandler],
) -> None:
    events, _ = recorded
    parts = list(llm().stream_structured_predict(Weather, PROMPT, city="Paris"))
    assert parts
    kinds = structured(events)
    assert kinds[0] == "LLMStructuredPredictStartEvent"
    assert kinds[-1] == "LLMStructuredPredictEndEvent"
    assert kinds.count("LLMStructuredPredictInProgressEvent") == len(parts)
