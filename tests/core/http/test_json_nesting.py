"""The same deeply nested data line through the parser alone and through the sync and async
clients (a real local server, both JSON readers): the same events and the same answer, at
depths around the limit and far past it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lemon_adapters import MalformedStreamError, TextDelta
from lemon_adapters.core.wire import sse
from lemon_adapters.core.wire.nesting import MAX_DEPTH
from tests.core.wire.test_nesting import DEPTHS, deep_body, parse

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
