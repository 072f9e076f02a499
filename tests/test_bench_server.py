"""The bench serves the testing kit's frames: every scenario parses back to exactly its
deltas, its ``n`` output tokens and a normal finish, and the TTFT split falls on the first
delta."""

from __future__ import annotations

import json

import pytest

from bench.contenders._base import _floor_body, _is_content, _url
from bench.server import (
    argument_pieces,
    first_delta_index,
    frames_for,
    has_scenario,
    model_object,
    route,
    text_pieces,
)
from lemon_adapters.core.wire.parser import StreamParser
from tests.invariants import check_invariants


@pytest.mark.parametrize("api", ["responses", "chat", "messages", "gemini"])
@pytest.mark.parametrize("scenario", ["text-7", "tool-7", "ttft"])
def test_every_scenario_parses_back_to_its_deltas(api: str, scenario: str) -> None:
    if not has_scenario(api, scenario):  # Gemini: a call arrives whole, no tool-N
        assert api == "gemini" and scenario.startswith("tool")
        with pytest.raises(ValueError, match=scenario):
            frames_for(api, scenario)
        return
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
    assert result.usage is not None
    if api != "gemini":  # the kit counts a Gemini answer's tokens from its text
        assert result.usage.output_tokens == n


def test_messages_frames_are_written_as_the_real_api_writes_them() -> None:
    frames = frames_for("messages", "text-3")
    assert frames[2] == b'event: ping\ndata: {"type": "ping"}\n\n'
    assert sum(b" }\n\n" in f for f in frames) >= len(frames) // 2  # padded before the brace


def test_gemini_route_model_lookup_and_floor() -> None:
    base = "http://127.0.0.1:1/s/text-5/v1"
    url = _url(base, "gemini")
    assert url.startswith("http://127.0.0.1:1/s/text-5/v1beta/models/")
    assert route(url.removeprefix("http://127.0.0.1:1")) == ("gemini", "text-5")
    assert route("/s/text-5/v1beta/models/gemini-2.5-flash") is None
    assert _floor_body("gemini")["contents"][0]["parts"][0]["text"]
    model = model_object("/s/text-5/v1beta/models/gemini-2.5-flash")
    assert model is not None and json.loads(model)["name"] == "models/gemini-2.5-flash"
    assert model_object("/s/text-5/v1/chat/completions") is None
    # The floor counts exactly the frames that carry text: 5, not the closing empty part.
    frames = frames_for("gemini", "text-5")
    objs = [json.loads(f.split(b"data: ", 1)[1]) for f in frames]
    assert sum(_is_content("gemini", o) for o in objs) == 5 and len(objs) == 6
