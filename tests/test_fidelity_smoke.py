"""The fidelity benchmark's comparison, on a few real recordings, for our adapters only.

Keeps ``bench/fidelity.py`` honest in CI: the replay server serves the recorded bytes, our
LangChain and LlamaIndex adapters stream them, and every channel must equal the ground truth
(the core parser's result). Peers are not imported (they are only in the ``bench`` extra).
"""

from __future__ import annotations

import pytest

from bench.fidelity import CONTENDERS, WIRE, compare, cross_check, frames, raw_reading, recording

OURS = tuple(c for c in CONTENDERS if c.ours)
FILES = [
    # Reasoning, two parallel tool calls and usage on Chat Completions.
    "chat__zai_glm-4.7-flash__reasoning+parallel-tools__fantasy__0.body",
    # Reasoning summary, a tool call and usage on the Responses API.
    "resp__openai_gpt-5__reasoning-summary+tool__fantasy__0.body",
    # An in-stream error event after output began.
    "chat__groq_gpt-oss-120b__event-error-tool_use_failed__pydantic-ai__0.body",
    # Gemini: thought parts, then the answer with a thoughtSignature; usage with thoughts.
    "gem__google_gemini-2.5-pro__thought-parts-include_thoughts__pydantic-ai__0.body",
]


@pytest.fixture(scope="module")
def cells() -> list:  # type: ignore[type-arg]
    return compare(FILES, OURS)


def test_ours_match_the_truth(cells: list) -> None:  # type: ignore[type-arg]
    assert {c.file for c in cells} == set(FILES)
    assert {c.contender for c in cells} == {c.name for c in OURS}
    for c in cells:
        oks = (c.text_ok, c.reasoning_ok, c.calls_ok, c.usage_ok, c.error_ok)
        assert all(oks), (c.file, c.contender, oks, c.notes)
        assert c.requests == 1


def test_channels_are_really_there(cells: list) -> None:  # type: ignore[type-arg]
    by = {(c.file, c.contender): c for c in cells}
    for contender in OURS:
        glm = by[(FILES[0], contender.name)].got
        assert glm.reasoning and glm.text and len(glm.calls) == 2 and glm.usage
        gpt5 = by[(FILES[1], contender.name)].got
        assert gpt5.reasoning and [n for n, _ in gpt5.calls] == ["weather"] and gpt5.usage
        failed = by[(FILES[2], contender.name)]
        assert failed.truth.error and failed.got.error is not None
        assert failed.got.reasoning == failed.truth.reasoning != ""
        gemini = by[(FILES[3], contender.name)].got
        assert gemini.reasoning and gemini.text and gemini.usage


def test_server_keeps_the_bytes() -> None:
    for name in FILES:
        body = recording(name).read_bytes()
        parts = frames(body)
        assert b"".join(parts) == body and len(parts) > 3


def test_truth_agrees_with_an_independent_reading() -> None:
    assert all(ok for _, ok, _ in cross_check()), cross_check()
    body = (WIRE / FILES[0]).read_bytes()
    raw = raw_reading("chat", body)
    assert raw.calls and raw.reasoning and raw.usage


def test_ours_match_the_truth_when_fragmented() -> None:
    """Random 1-64 byte HTTP chunks (frames and UTF-8 characters split) change nothing."""
    for c in compare(FILES, OURS, split_seed=7):
        oks = (c.text_ok, c.reasoning_ok, c.calls_ok, c.usage_ok, c.error_ok)
        assert all(oks), (c.file, c.contender, oks, c.notes)
