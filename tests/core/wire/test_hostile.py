"""Hostile bytes, by name: each example a fuzzer found becomes a typed error with the partial
result (or, where the value is harmless, is read sensibly), never a crash.

The fuzzer itself is ``tests/fuzz.py`` (a fixed share runs in ``tests/test_fuzz.py``).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from lemon_adapters import (
    LemonDataClient,
    LemonDataError,
    MalformedStreamError,
    StreamError,
    TextDelta,
)
from lemon_adapters.core.errors import api_error
from lemon_adapters.core.http.scrub import scrub
from lemon_adapters.core.wire.parser import StreamParser
from tests.parsing import events_from_object

KEY = "sk-test-hostile-0123456789"
HELLO = {"type": "response.output_text.delta", "item_id": "m", "delta": "Hello"}


def sse(*objs: Any, event: str | None = None) -> bytes:
    out = b""
    for obj in objs:
        data = obj if isinstance(obj, str) else json.dumps(obj)
        out += (
            f"event: {event}\n" if event else b"".decode()
        ).encode() + f"data: {data}\n\n".encode()
    return out


def parse(api: str, body: bytes) -> StreamParser:
    parser = StreamParser(api)  # type: ignore[arg-type]
    parser.feed(body)
    parser.close()
    return parser


def client_for(handler: Any, **kwargs: Any) -> LemonDataClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    kwargs.setdefault("max_retries", 0)
    return LemonDataClient(api_key=KEY, base_url="http://gw.test/v1", http_client=http, **kwargs)


def test_a_retryable_error_frame_with_retry_after_as_text_is_retried_not_a_crash() -> None:
    """``retry_after: "30"`` (text): read as 30 seconds, capped, and the call retried."""
    frames = [
        sse(
            {
                "type": "error",
                "code": "overloaded",
                "message": "busy",
                "retryable": True,
                "retry_after": "30",
            }
        ),
        sse({"type": "response.created", "response": {"id": "r"}}, HELLO)
        + sse({"type": "response.completed", "response": {"id": "r", "status": "completed"}}),
    ]
    sent = iter(frames)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=next(sent)
        )

    client = client_for(handler, max_retries=1, max_retry_delay=0.01)
    result = client.create(model="m", messages=[], api="responses")
    assert result.text == "Hello" and result.complete


def test_response_failed_with_an_error_string() -> None:
    failed = {"type": "response.failed", "response": {"error": "Upstream timeout"}}
    parser = parse("responses", sse({"type": "response.created", "response": {"id": "r"}}, failed))
    assert isinstance(parser.failure, StreamError)
    assert parser.failure.message == "Upstream timeout" and parser.failure.partial is not None


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_token_counts_as_text_are_dropped_and_flagged(api: str) -> None:
    if api == "chat":
        choice = {"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}
        usage = {"prompt_tokens": "5", "completion_tokens": 3}
        chunk = {"id": "c", "choices": [choice], "usage": usage}
        body = sse(chunk, "[DONE]")
    else:
        usage = {"input_tokens": "5", "output_tokens": 3, "total_tokens": -1}
        done = {"type": "response.completed", "response": {"id": "r", "usage": usage}}
        body = sse({"type": "response.created", "response": {"id": "r"}}, HELLO, done)
    usage_out = parse(api, body).result.usage
    assert usage_out is not None
    assert (usage_out.input_tokens, usage_out.output_tokens, usage_out.total_tokens) == (0, 3, 3)
    assert usage_out.invalid_counts[0] in ("prompt_tokens", "input_tokens")


def test_incomplete_details_as_a_string_is_the_reason() -> None:
    response = {"id": "r", "status": "incomplete", "incomplete_details": "max_output_tokens"}
    body = sse(HELLO, {"type": "response.incomplete", "response": response})
    result = parse("responses", body).result
    assert (result.finish_reason, result.raw_finish_reason) == ("length", "max_output_tokens")


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_gzip_label_on_an_uncompressed_stream_is_malformed(mode: str) -> None:
    body = sse({"type": "response.created", "response": {"id": "r"}}, HELLO)
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    handler = lambda request: httpx.Response(200, headers=headers, content=body)  # noqa: E731
    if mode == "sync":
        with pytest.raises(MalformedStreamError, match="could not be decoded") as info:
            list(client_for(handler).stream(model="m", messages=[], api="responses"))
    else:
        from lemon_adapters import AsyncLemonDataClient

        ahttp = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        aclient = AsyncLemonDataClient(api_key=KEY, base_url="http://gw.test/v1", http_client=ahttp)
        with pytest.raises(MalformedStreamError, match="could not be decoded") as info:
            async with aclient.stream(model="m", messages=[], api="responses") as stream:
                async for _ in stream:
                    pass
    assert info.value.partial is not None


@pytest.mark.parametrize("coding", ["gzip", "identity", " Identity ", None])
async def test_a_stream_is_read_whatever_its_content_coding(coding: str | None) -> None:
    """Uncoded bodies are read straight from the transport, coded ones through httpx's
    decoders; both ways, sync and async, give the same answer."""
    created = {"type": "response.created", "response": {"id": "r"}}
    done = {"type": "response.completed", "response": {"id": "r"}}
    body = sse(created, HELLO, done)
    headers = {"content-type": "text/event-stream"}
    if coding is not None:
        headers["content-encoding"] = coding
        if coding == "gzip":
            body = gzip.compress(body)
    handler = lambda request: httpx.Response(200, headers=headers, content=body)  # noqa: E731
    client = client_for(handler)
    assert client.create(model="m", messages=[], api="responses").text == "Hello"
    from lemon_adapters import AsyncLemonDataClient

    ahttp = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    aclient = AsyncLemonDataClient(api_key=KEY, base_url="http://gw.test/v1", http_client=ahttp)
    assert (await aclient.create(model="m", messages=[], api="responses")).text == "Hello"


@pytest.mark.parametrize(
    "answer",
    [
        {"choices": [None]},
        {"choices": 5},
        {"id": "c", "choices": [{"message": {"tool_calls": "x"}}]},
    ],
)
def test_malformed_json_answers_are_typed_errors(answer: dict[str, Any]) -> None:
    parser = events_from_object("chat", answer)
    assert isinstance(parser.failure, MalformedStreamError) and parser.failure.partial is not None


@pytest.mark.parametrize("content", [b"", b"{}", b"[]", b"null"])
def test_an_empty_or_meaningless_json_answer_has_a_partial(content: bytes) -> None:
    headers = {"content-type": "application/json"}
    client = client_for(lambda request: httpx.Response(200, headers=headers, content=content))
    with pytest.raises(MalformedStreamError) as info:
        client.create(model="m", messages=[], api="chat")
    assert info.value.partial is not None


@pytest.mark.parametrize("depth", [990, 20_000])
def test_nesting_past_the_json_parser_limit_is_malformed(depth: int) -> None:
    parser = parse("chat", b"data: " + b"[" * depth + b"\n\n")
    assert isinstance(parser.failure, MalformedStreamError)
    err = api_error(500, {}, b'{"error": ' * depth + b"1" + b"}" * depth)
    assert err.status_code == 500  # an error body nested that deep is still an error


def test_the_key_scrubber_survives_deep_bodies() -> None:
    deep: Any = f"echo {KEY}"
    for _ in range(5000):
        deep = {"e": [deep]}
    err = LemonDataError("x", body=deep)
    scrub(err, KEY)
    leaf = err.body
    while isinstance(leaf, dict):
        leaf = leaf["e"][0]
    assert leaf == "echo ***"


def test_retry_after_beyond_float_range_is_ignored() -> None:
    err = api_error(429, {}, b'{"error": {"message": "slow", "retry_after": 1e400}}')
    assert err.retry_after is None and err.retryable
    huge = api_error(429, {}, b'{"error": {"message": "slow", "retry_after": ' + b"9" * 400 + b"}}")
    assert huge.retry_after is None


@pytest.mark.parametrize(
    ("api", "chunk"),
    [
        ("chat", {"id": "c", "choices": {"0": 1}}),
        ("chat", {"id": "c", "choices": [{"delta": ["x"]}]}),
        ("chat", {"id": "c", "choices": [{"delta": {"tool_calls": [{"index": [0]}]}}]}),
        ("chat", {"id": "c", "choices": [{"delta": {"tool_calls": [{"function": "f"}]}}]}),
        ("chat", {"id": "c", "choices": [{"delta": {"content": 5}}]}),
        ("responses", {"type": "response.output_text.delta", "delta": ["x"]}),
        ("responses", {"type": "response.output_item.added", "item": "x"}),
        ("responses", {"type": "response.function_call_arguments.delta", "delta": 5}),
        ("responses", {"type": "response.completed", "response": {"output": 5}}),
        ("responses", {"type": "response.output_text.delta", "delta": "a", "sequence_number": "1"}),
    ],
)
def test_wrong_shapes_where_the_mappers_index_are_malformed(api: str, chunk: Any) -> None:
    if api == "responses":
        body = sse({"type": "response.created", "response": {"id": "r"}}, HELLO, chunk)
    else:
        hello = {"id": "c", "choices": [{"index": 0, "delta": {"content": "Hello"}}]}
        body = sse(hello, chunk)
    parser = parse(api, body)
    assert isinstance(parser.failure, MalformedStreamError), (chunk, parser.failure)
    assert parser.failure.partial is not None and parser.failure.partial.text == "Hello"


def test_an_id_that_is_not_text_is_malformed() -> None:
    choice = {"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}
    parser = parse("chat", sse({"id": ["c"], "choices": [choice]}))
    assert isinstance(parser.failure, MalformedStreamError)
    assert "id is a list" in str(parser.failure)
    created = {"type": "response.created", "response": {"id": {"x": 1}}}
    assert isinstance(parse("responses", sse(created)).failure, MalformedStreamError)
    numeric = parse("chat", sse({"id": 7, "choices": [choice]}, "[DONE]"))
    assert numeric.result.response_id == "7" and numeric.failure is None


def test_a_lone_surrogate_in_text_is_malformed() -> None:
    body = sse({"id": "c", "choices": [{"index": 0, "delta": {"content": "ok"}}]}) + (
        b'data: {"id": "c", "choices": [{"index": 0, "delta": {"content": "a\\ud800b"}}]}\n\n'
    )
    parser = parse("chat", body)
    assert isinstance(parser.failure, MalformedStreamError) and "surrogate" in str(parser.failure)
    assert parser.result.text == "ok"  # what arrived intact is kept
    paired = b'data: {"id": "c", "choices": [{"index": 0, "delta": {"content": "\\ud83c\\udf4b"}}]}'
    assert parse("chat", paired + b"\n\n").result.text == "\U0001f34b"  # a pair is a character


def test_deltas_reach_the_caller_before_a_later_corruption() -> None:
    body = sse({"id": "c", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}) + b"data: {\n\n"
    client = client_for(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=body
        )
    )
    seen: list[str] = []
    with pytest.raises(MalformedStreamError) as info:
        for event in client.stream(model="m", messages=[], api="chat"):
            if isinstance(event, TextDelta):
                seen.append(event.text)
    assert seen == ["Hi"] and info.value.partial is not None and info.value.partial.text == "Hi"
