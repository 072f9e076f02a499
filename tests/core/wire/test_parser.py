"""The parser on whole answers: non-streamed JSON objects, and bodies with no events."""

from __future__ import annotations

from lemon_adapters.core.errors import (
    IncompleteStreamError,
    LemonDataError,
)
from tests.core.wire.synthetic import calls
from tests.parsing import events_from_object, parse_body


def test_empty_body_and_comments_only_are_incomplete() -> None:
    for body in (b"", b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n"):
        for api in ("chat", "responses"):
            parser = parse_body(api, body)  # type: ignore[arg-type]
            assert isinstance(parser.failure, IncompleteStreamError)
            assert parser.failure.partial is not None


def test_events_from_object_chat_with_tool_calls_and_refusal() -> None:
    obj = {
        "id": "c",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "a",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    parser = events_from_object("chat", obj)
    assert calls(parser) == [(0, "a", "f", "{}")]
    assert parser.result.finish_reason == "tool_calls"
    assert parser.result.usage is not None and parser.result.usage.total_tokens == 3


def test_events_from_object_failed_response() -> None:
    parser = events_from_object(
        "responses", {"id": "r", "status": "failed", "error": {"code": "x", "message": "no"}}
    )
    assert isinstance(parser.failure, LemonDataError) and parser.failure.code == "x"
