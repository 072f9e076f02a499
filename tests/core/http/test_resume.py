"""Resuming background Responses streams: every event exactly once, sync and async."""

from __future__ import annotations

import httpx
import pytest

from lemon_adapters import (
    ConfigurationError,
    LemonDataClient,
    NotFoundError,
    StreamDisconnectedError,
    TextDelta,
)
from tests.conftest import WIRE

from .drivers import KEY, Driver, Outcome
from .server import TEXT, FaultServer, Step, frames, lemon_error, text_frames

RESUME = {"api": "responses", "background": True, "resume": True}


def mid(n: int) -> tuple[int, int]:
    """A cut inside the JSON of the ``n``-th text delta's data line: half a line stays
    buffered, so a resume must start a fresh SSE decoder."""
    index = text_frames("responses", Step())[n]
    frame = frames("responses", Step())[index]
    return (index, frame.index(b"data: ") + 20)


def check_exactly_once(o: Outcome, text: str = TEXT) -> None:
    assert o.error is None, repr(o.error)
    assert o.text == text == o.result.text
    kinds = [e.kind for e in o.events]
    assert kinds[0] == "response_started" and kinds.count("response_started") == 1
    assert kinds[-1] == "finish" and kinds.count("finish") == 1
    assert kinds.count("usage") == 1
    assert o.active == 0


def gets(server: FaultServer, model: str) -> list[dict[str, object]]:
    return [r for r in server.requests_for(model) if r["method"] == "GET"]


@pytest.mark.parametrize("overlap", [0, 4], ids=["exact", "server-replays-4"])
def test_resume_after_a_drop(
    driver: Driver, fault_server: FaultServer, model: str, overlap: int
) -> None:
    fault_server.script(model, Step(drop_after=mid(6)), Step(overlap=overlap))
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    check_exactly_once(o)
    post, get = fault_server.requests_for(model)
    assert post["method"] == "POST" and post["body"]["background"] is True
    assert get["method"] == "GET" and get["path"].endswith(f"/responses/{o.result.response_id}")
    assert get["query"]["stream"] == "true"
    # frames 0..(text frame 6 - 1) were whole: the last full frame's sequence number
    assert int(get["query"]["starting_after"]) == text_frames("responses", Step())[6] - 1
    assert get["headers"]["authorization"] == f"Bearer {KEY}"


def test_resume_after_a_stall(driver: Driver, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, Step(stall_after=mid(2)), Step())
    o = driver.run(
        fault_server.base_url,
        model=model,
        **RESUME,
        client={"timeout": httpx.Timeout(0.2, connect=2.0)},
    )
    check_exactly_once(o)
    assert len(gets(fault_server, model)) == 1


def test_resume_after_a_missing_terminal_event(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(truncate=True), Step())
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    check_exactly_once(o)
    assert len(gets(fault_server, model)) == 1


def test_resume_twice(driver: Driver, fault_server: FaultServer, model: str) -> None:
    """The resumed stream drops too; the second resume continues from the new position."""
    fault_server.script(
        model, Step(drop_after=mid(3)), Step(drop_after=mid(3), overlap=2), Step(overlap=1)
    )
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    check_exactly_once(o)
    first, second = (int(str(r["query"]["starting_after"])) for r in gets(fault_server, model))  # type: ignore[index]
    assert second > first


def test_resume_gives_up_after_max_retries(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    """A resume that brings nothing new, again and again, ends in the typed error."""
    fault_server.script(model, Step(drop_after=mid(3)), Step(drop_after=0))
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    assert isinstance(o.error, StreamDisconnectedError)
    assert o.error.partial is not None and o.error.partial.text == o.text
    assert TEXT.startswith(o.text) and o.text
    assert len(gets(fault_server, model)) == 2  # max_retries=2
    assert o.active == 0


def test_without_resume_a_background_drop_is_raised(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(drop_after=mid(3)), Step())
    o = driver.run(fault_server.base_url, model=model, api="responses", background=True)
    assert isinstance(o.error, StreamDisconnectedError)
    assert not gets(fault_server, model)


def test_resume_real_recording(driver: Driver, fault_server: FaultServer, model: str) -> None:
    """OpenAI's recorded background stream, dropped after sequence_number 8, resumed with
    the recorded GET body (which replays from sequence_number 1, as recorded with
    ``starting_after=0``): the answer arrives exactly once."""
    first = WIRE / "resp__openai_gpt-4o__background-queued-resume__pydantic-ai__0.body"
    resumed = WIRE / "resp__openai_gpt-4o__background-queued-resume__pydantic-ai__1.body"
    body0 = first.read_bytes()
    cut = body0.index(b'"sequence_number":9')
    cut -= 30  # inside the data line of the frame of sequence_number 9
    sse = "text/event-stream; charset=utf-8"
    fault_server.script(
        model,
        Step(raw=body0, content_type=sse, drop_after=cut),
        Step(raw=resumed.read_bytes(), content_type=sse),
    )
    fault_server.register_response("resp_0850765c843cca5300699cc47d93c0819089a181f5feeff8eb", model)
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    check_exactly_once(o, "2 + 2 equals 4.")
    assert [e.text for e in o.events if isinstance(e, TextDelta)] == [
        "2",
        " +",
        " ",
        "2",
        " equals",
        " ",
        "4",
        ".",
    ]
    (get,) = gets(fault_server, model)
    assert get["query"]["starting_after"] == "8"
    assert o.result.usage is not None and o.result.usage.total_tokens == 24


def test_resume_needs_background_and_responses() -> None:
    client = LemonDataClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(ConfigurationError, match="background=True"):
        client.stream(model="m", messages=messages, resume=True)
    with pytest.raises(ConfigurationError, match="Responses"):
        client.stream(model="m", messages=messages, api="chat", background=True, resume=True)
    client.close()


def test_resume_request_retried_on_503(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(drop_after=mid(4)), lemon_error(503), Step(overlap=2))
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    check_exactly_once(o)
    assert len(gets(fault_server, model)) == 2


def test_resume_request_rejected(driver: Driver, fault_server: FaultServer, model: str) -> None:
    """The gateway no longer knows the response: the 404 comes with the partial result."""
    fault_server.script(
        model,
        Step(drop_after=mid(4)),
        lemon_error(404, message="response not found", code="not_found", param=None),
    )
    o = driver.run(fault_server.base_url, model=model, **RESUME)
    assert isinstance(o.error, NotFoundError) and o.error.message == "response not found"
    assert o.error.partial is not None and o.error.partial.text == o.text
    assert o.text and TEXT.startswith(o.text) and o.error.output_received
    assert len(gets(fault_server, model)) == 1
    assert o.active == 0
