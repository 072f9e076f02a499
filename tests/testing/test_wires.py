"""The testing kit's frames parse back into what it was asked to say, streamed and whole."""

from __future__ import annotations

import pytest

from lemon_adapters.testing import Reply
from lemon_adapters.testing.wires import WIRES
from tests.core.wire.synthetic import run
from tests.parsing import events_from_object

_REPLIES = {
    "text": Reply(text="Hello there, 世界 🙂", chunk_chars=3),
    "reasoning+text": Reply(text="Answer.", reasoning="Think first.\nThen answer."),
    "tools": Reply(tool_calls=[("f", '{"a": 1}'), ("g", '{"b": [1, 2]}')], chunk_chars=2),
    "text+tools": Reply(text="Calling.", tool_calls=[("f", "{}")]),
}


@pytest.mark.parametrize("api", sorted(WIRES))
@pytest.mark.parametrize("name", sorted(_REPLIES))
def test_every_wires_frames_parse_back(api: str, name: str) -> None:
    reply = _REPLIES[name]
    body = b"".join(frame for frame, _ in WIRES[api].render(reply, "m"))
    _, parser = run(api, body)
    r = parser.result
    assert parser.failure is None
    assert (r.text, r.reasoning) == (reply.text, reply.reasoning)
    assert [(c.name, c.arguments) for c in r.tool_calls] == reply.tool_calls
    assert r.finish_reason == ("tool_calls" if reply.tool_calls else "stop")
    assert r.usage is not None and r.usage.input_tokens == reply.input_tokens
    alone = events_from_object(api, WIRES[api].complete(reply, "m"))  # type: ignore[arg-type]
    assert alone.failure is None
    a = alone.result
    assert (a.text, a.reasoning, a.finish_reason) == (r.text, r.reasoning, r.finish_reason)
    assert [(c.name, c.args) for c in a.tool_calls] == [(c.name, c.args) for c in r.tool_calls]
