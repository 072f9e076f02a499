"""The stall limit: a stream that makes no progress for ``stall_timeout`` seconds fails with
``APITimeoutError`` (``code="stream_stalled"``, the partial attached), although keep-alive
comments or Messages ``ping`` frames keep arriving; on every route, sync and async, through
the core and both adapters. The clock decides in the pure tests; the network tests only
bound the time generously (the server would pad for 30 s)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
import pytest

from lemon_adapters import APITimeoutError, LemonDataClient
from lemon_adapters.core.errors import STALL_CODE, ConfigurationError
from lemon_adapters.core.http.config import ClientConfig, Timeouts
from lemon_adapters.core.http.exchange import Exchange, is_padding
from lemon_adapters.core.http.retry import RetryPolicy, RouteMemory
from lemon_adapters.core.request.build import Request

from .drivers import KEY, Driver, Outcome
from .server import TEXT, FaultServer, Step, text_frames

PING = b'event: ping\ndata: {"type": "ping"}\n\n'
PADDING = {"responses": b": keep-alive\n\n", "chat": b": keep-alive\n\n", "messages": PING}
#: Far above the stall limits used here (the server pads for 30 s), far below "never".
BOUND = 15.0


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def exchange(clock: Clock, *, stall: float | None, read: float = 120.0) -> Exchange:
    config = ClientConfig(
        api_key="sk-stall-unit",
        base_url="https://gw.example/v1",
        timeouts=Timeouts(10.0, read, 30.0, 30.0),
        retry=RetryPolicy(0),
        deadline=None,
        default_headers={},
        routes=RouteMemory(),
        stall=stall,
    )
    request = Request(model="m", messages=[{"role": "user", "content": "hi"}])
    return Exchange(config, request, mode="responses", stream=True, clock=clock)


CREATED = b'data: {"type":"response.created","sequence_number":0,"response":{"id":"r"}}\n\n'
DELTA = b'data: {"type":"response.output_text.delta","sequence_number":1,"delta":"Hi"}\n\n'


def test_padding_does_not_reset_the_stall_clock_but_progress_does() -> None:
    clock = Clock()
    ex = exchange(clock, stall=5.0)
    ex.next_request()
    assert ex.open(200, {"content-type": "text/event-stream"}) == "stream"
    assert ex.feed(CREATED)
    for chunk in (DELTA[:20], DELTA[20:40]):  # an event arriving slowly is progress
        clock.now += 4.0
        assert ex.feed(chunk) == []
        ex.check()
    clock.now += 4.0
    assert [e.kind for e in ex.feed(DELTA[40:])] == ["text"]
    # The clock is read for padding only: the limit runs from the first padding (here 1 s
    # after the event), so it ends at most one padding interval late, never early.
    for chunk in (b": keep-alive\n\n", PING, b"", b"\n", b":\n\n", b": keep-alive\n\n"):
        clock.now += 0.9
        ex.feed(chunk)
        ex.check()  # 0.9..5.4 s after the event, 0..4.5 s after the first padding
    clock.now += 0.5  # 5.0 s after the first padding
    assert ex.feed(b": keep-alive\n\n") == []
    with pytest.raises(APITimeoutError) as info:
        ex.check()
    assert info.value.code == STALL_CODE and info.value.partial is not None
    assert info.value.partial.text == "Hi" and info.value.output_received


def test_the_stall_limit_follows_the_read_timeout_and_caps_the_socket_wait() -> None:
    clock = Clock()
    assert exchange(clock, stall=None, read=7.0).stall == 7.0  # the default
    ex = exchange(clock, stall=2.0, read=60.0)
    assert ex.next_request().timeouts.read == 2.0  # silence is caught at the socket
    ex.open(200, {"content-type": "text/event-stream"})
    err = ex.transport_error("read_timeout", "ReadTimeout: timed out")
    assert isinstance(err, APITimeoutError) and err.code == STALL_CODE
    assert exchange(clock, stall=None, read=60.0).next_request().timeouts.read == 60.0


@pytest.mark.parametrize(
    ("chunk", "padding"),
    [
        (b": keep-alive\n\n", True),
        (b"  :ping\r\n\r\n", True),
        (PING, True),
        (b'data: {"type":"ping"}\n\n', True),
        (b"", True),
        (b'"delta":"Hi', False),
        (b'data: {"type":"response.output', False),
        (b"event: content_block_delta\n", False),
    ],
)
def test_what_counts_as_padding(chunk: bytes, padding: bool) -> None:
    assert is_padding(chunk) is padding


def test_stall_timeout_must_be_positive() -> None:
    with pytest.raises(ConfigurationError):
        LemonDataClient(api_key=KEY, stall_timeout=0)


# -- over the network ------------------------------------------------------------------------


def padded_stall(api: str) -> Step:
    """Three text deltas and a bit, then only padding every 50 ms."""
    return Step(stall_after=(text_frames(api, Step())[3], 0), pad_every=0.05, padding=PADDING[api])


def check_stalled(o: Outcome, started: float) -> None:
    assert isinstance(o.error, APITimeoutError), repr(o.error)
    assert o.error.code == STALL_CODE and "stalled" in str(o.error)
    assert o.error.partial is not None and o.error.output_received
    assert o.text and TEXT.startswith(o.text) and o.error.partial.text == o.text
    assert o.active == 0
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("route", ["responses", "chat", "messages"])
def test_a_padded_stall_fails_with_stall_timeout(
    driver: Driver, route: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, padded_stall(route))
    started = time.monotonic()
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=route,
        client={"timeout": httpx.Timeout(60.0, connect=2.0), "stall_timeout": 0.5},
    )
    check_stalled(o, started)


def test_a_padded_stall_fails_with_no_option_set(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    """No stall_timeout: the limit is the read timeout, which padding no longer defeats."""
    fault_server.script(model, padded_stall("responses"))
    started = time.monotonic()
    o = driver.run(
        fault_server.base_url,
        model=model,
        api="responses",
        client={"timeout": httpx.Timeout(0.5, connect=2.0)},
    )
    check_stalled(o, started)


def test_a_silent_stall_is_caught_at_the_socket_by_the_stall_limit(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(stall_after=(text_frames("chat", Step())[3], 0)))
    started = time.monotonic()
    o = driver.run(
        fault_server.base_url,
        model=model,
        api="chat",
        client={"timeout": httpx.Timeout(60.0, connect=2.0), "stall_timeout": 0.5},
    )
    check_stalled(o, started)


def test_padding_between_healthy_events_is_not_a_stall(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    """Slow chunks that carry events succeed although the whole stream lasts far longer
    than the stall limit."""
    fault_server.script(model, Step(pause=0.02, chunk_chars=40))
    o = driver.run(
        fault_server.base_url,
        model=model,
        api="chat",
        client={"timeout": httpx.Timeout(60.0, connect=2.0), "stall_timeout": 0.3},
    )
    assert o.error is None and o.text == TEXT


# -- through the adapters ---------------------------------------------------------------------


def _chat_model(base_url: str, **fields: Any) -> Any:
    from lemon_adapters.langchain import ChatLemonData

    return ChatLemonData(
        model=fields.pop("model"), api_key=KEY, base_url=base_url, max_retries=0, **fields
    )


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_chat_lemondata_streams_end_at_the_stall_limit(
    flavour: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, padded_stall("responses"))
    llm = _chat_model(fault_server.base_url, model=model, api="responses", stall_timeout=0.5)
    chunks: list[Any] = []
    started = time.monotonic()

    async def consume() -> None:
        async for chunk in llm.astream("hi"):
            chunks.append(chunk)

    with pytest.raises(APITimeoutError) as info:
        if flavour == "sync":
            chunks.extend(llm.stream("hi"))
        else:
            asyncio.run(consume())
    assert info.value.code == STALL_CODE and info.value.partial is not None
    assert "".join(c.text for c in chunks) == info.value.partial.text != ""
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_llama_index_streams_end_at_the_stall_limit(
    flavour: str, fault_server: FaultServer, model: str
) -> None:
    from llama_index.core.llms import ChatMessage

    from lemon_adapters.llama_index import LemonData

    fault_server.script(model, padded_stall("chat"))
    llm = LemonData(
        model=model,
        api="chat",
        api_key=KEY,
        base_url=fault_server.base_url,
        max_retries=0,
        stall_timeout=0.5,
    )
    messages = [ChatMessage(role="user", content="hi")]
    seen: list[str] = []
    started = time.monotonic()

    async def consume() -> None:
        async for response in await llm.astream_chat(messages):
            seen.append(response.message.content or "")

    with pytest.raises(APITimeoutError) as info:
        if flavour == "sync":
            seen.extend(r.message.content or "" for r in llm.stream_chat(messages))
        else:
            asyncio.run(consume())
    assert info.value.code == STALL_CODE and info.value.partial is not None
    assert seen and seen[-1] == info.value.partial.text
    assert time.monotonic() - started < BOUND


def test_random_padding_never_resets_the_clock() -> None:
    """Any mix of padding ends in the stall at the same clock reading."""
    rng = random.Random(20)
    for _ in range(50):
        clock = Clock()
        ex = exchange(clock, stall=3.0)
        ex.next_request()
        ex.open(200, {"content-type": "text/event-stream"})
        ex.feed(CREATED + DELTA)
        failed_at = None
        for step in range(100):
            clock.now += 0.25
            ex.feed(rng.choice([b": keep-alive\n\n", PING, b"", b":\n\n"]))
            if ex.parser is not None and ex.parser.failure is not None:
                failed_at = step
                break
        assert failed_at == 12  # 3.0 s after the first padding (step 0)
