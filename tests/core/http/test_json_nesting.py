"""The same deeply nested data line through the parser alone and through the sync and async
clients (a real local server, both JSON readers): the same events and the same answer, at
depths around the limit and far past it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from lemon_adapters import (
    AsyncLemonDataClient,
    LemonDataClient,
    MalformedResponseError,
    MalformedStreamError,
    TextDelta,
)
from lemon_adapters.core.wire import sse
from lemon_adapters.core.wire.nesting import MAX_DEPTH
from lemon_adapters.testing import DevServer, recorded
from tests.core.wire.test_nesting import DEPTHS, at_stack_depth, deep_body, parse

from .drivers import Driver
from .server import FaultServer, Step


@pytest.fixture(params=sorted(sse.JSON_DECODERS))
def decoder(request: pytest.FixtureRequest) -> Iterator[str]:
    before = sse.json_decoder()
    sse.json_decoder(request.param)
    yield request.param
    sse.json_decoder(before)


@pytest.mark.parametrize("wire", ["responses", "chat", "messages"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deep_line_gets_the_parsers_answer_through_the_clients(
    wire: str, depth: int, decoder: str, driver: Driver, fault_server: FaultServer, model: str
) -> None:
    body = deep_body(wire, depth)
    fault_server.script(model, Step(raw=body, content_type="text/event-stream"))
    o = driver.run(fault_server.base_url, model=model, api=wire, client={"max_retries": 0})
    text, kinds, failure = parse(wire, body)
    assert o.result.text == text
    if depth > MAX_DEPTH:
        assert isinstance(o.error, MalformedStreamError)
        assert o.error.message == failure
        assert f"more than {MAX_DEPTH} levels deep" in o.error.message
    else:
        assert o.error is None and failure is None
        assert [e.kind for e in o.events] == kinds
        assert "".join(e.text for e in o.events if isinstance(e, TextDelta)) == text
        assert o.result.finish_reason == "stop"


def _deep_json(depth: int) -> bytes:
    """A JSON object nesting ``depth`` levels in all (the object itself is one)."""
    return b'{"object":"list","data":[],"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 990])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_deep_json_answer_gets_one_answer_at_any_stack(
    lemon_server: DevServer, depth: int, flavour: str
) -> None:
    """A JSON endpoint's answer nested past the limit is refused by name, whatever the
    caller's stack; one at the limit is read."""
    body = _deep_json(depth)

    def call() -> object:
        lemon_server.script(recorded(body, "application/json"))
        if flavour == "sync":
            with LemonDataClient(api_key="sk-test", base_url=lemon_server.base_url) as client:
                return client.models()

        async def run() -> object:
            url = lemon_server.base_url
            async with AsyncLemonDataClient(api_key="sk-test", base_url=url) as client:
                return await client.models()

        return asyncio.run(run())

    for frames in (0, 500):
        if depth > MAX_DEPTH:
            with pytest.raises(MalformedResponseError, match=f"more than {MAX_DEPTH} levels"):
                at_stack_depth(frames, call)
        else:
            assert at_stack_depth(frames, call) == []


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 990])
def test_a_deep_whole_chat_answer_is_refused_by_name(lemon_server: DevServer, depth: int) -> None:
    """``create()`` answered with one JSON object (no stream) nested past the limit."""
    lemon_server.script(recorded(_deep_json(depth), "application/json"))
    client = LemonDataClient(api_key="sk-test", base_url=lemon_server.base_url)
    with client, pytest.raises(MalformedStreamError, match=f"more than {MAX_DEPTH} levels"):
        client.create(model="m", api="chat", messages=[{"role": "user", "content": "hi"}])
