"""The bench serves the testing kit's frames: every scenario parses back to exactly its
deltas, its ``n`` output tokens and a normal finish, and the TTFT split falls on the first
delta."""

from __future__ import annotations

import json

import pytest

from bench.server import argument_pieces, first_delta_index, frames_for, text_pieces
from lemon_adapters.core.wire.parser import StreamParser
from tests.invariants import check_invariants


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
@pytest.mark.parametrize("scenario", ["text-7", "tool-7", "ttft"])
def test_every_scenario_parses_back_to_its_deltas(api: str, scenario: str) -> None:
    frames = frames_for(api, scenario)
    parser = StreamParser(api)  # type: ignore[arg-type]
    check_invariants(parser.feed(b"".join(frames)) + parser.close())
    result = parser.result
    assert parser.failure is None and result.finish_reason in ("stop", "tool_calls")
    n = 100 if scenario == "ttft" else 7
    if scenario.startswith("tool"):
        (call,) = result.tool_calls
        assert call.name == "collect" and call.arguments == "".join(argument_pieces(n))
        assert json.loads(call.arguments)["items"][-1] == "end"
    else:
        assert result.text == "".join(text_pieces(n))
        assert frames[first_delta_index(api, frames)].count(b"Hello") == 1
    assert result.usage is not None and result.usage.output_tokens == n


def test_messages_frames_are_written_as_the_real_api_writes_them() -> None:
    frames = frames_for("messages", "text-3")
    assert frames[2] == b'event: ping\ndata: {"type": "ping"}\n\n'
    assert sum(b" }\n\n" in f for f in frames) >= len(frames) // 2  # padded before the brace
