"""The Gemini route over real HTTP on 127.0.0.1: every recorded stream through the sync and
async clients (SSE, and the JSON array a gateway may answer instead), the URL and headers,
the recorded error bodies, and ``api="auto"`` learning the route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from lemon_adapters import (
    AsyncLemonDataClient,
    AuthenticationError,
    LemonDataClient,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.http.retry import RouteMemory
from lemon_adapters.testing.server import DevServer, Reply, demo_responder
from tests.core.wire.test_gemini_recordings import ERRORS, STREAMS, _ids, body_of, entry_named
from tests.core.wire.test_recordings import parse_chunks
from tests.gemini_replay import Answer, ReplayServer, content_type_of

KEY = "sk-test-gemini-0123456789"
HELLO = [{"role": "user", "content": "hello"}]


def client(base_url: str, **kw: Any) -> LemonDataClient:
    return LemonDataClient(api_key=KEY, base_url=base_url, routes=RouteMemory(), **kw)


def _events(entry: dict[str, Any]) -> list[StreamEvent]:
    return parse_chunks("gemini", [body_of(entry)]).events


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_every_recorded_stream_through_the_sync_and_async_clients(entry: dict[str, Any]) -> None:
    expected = _events(entry)
    answers = [
        Answer(body_of(entry), content_type=content_type_of(entry), seed=seed) for seed in (1, 2)
    ]
    with ReplayServer() as srv:
        srv.queue(*answers)
        with client(srv.base_url) as sync:
            got = list(sync.stream(model="gemini-x", messages=HELLO, api="gemini"))
        assert got == expected

        async def run() -> list[StreamEvent]:
            async with AsyncLemonDataClient(api_key=KEY, base_url=srv.base_url) as aclient:
                stream = aclient.stream(model="gemini-x", messages=HELLO, api="gemini")
                return [e async for e in stream]

        assert asyncio.run(run()) == expected
        assert len(srv.requests) == 2


def test_the_url_and_headers_carry_the_key_only_in_the_authorization_header() -> None:
    entry = entry_named("text-3-chunks")
    with ReplayServer() as srv:
        srv.queue(Answer(body_of(entry)))
        srv.queue(
            Answer(
                json.dumps(json.loads(body_of(entry_named("google_search-grounding", 1)))).encode(),
                content_type="application/json",
            )
        )
        with client(srv.base_url) as c:
            result = c.stream(model="google/gemini 2.5", messages=HELLO, api="gemini").until_done()
            assert result.text == "The capital of France is Paris.\n"
            assert result.api == "gemini"
            whole = c.create(model="gemini-2.5-pro", messages=HELLO, api="gemini")
            assert whole.text.startswith("### Scattered Thunderstorms")
        first, second = srv.requests
        assert first["path"] == "/v1beta/models/google%2Fgemini%202.5:streamGenerateContent"
        assert first["query"] == "alt=sse"
        assert first["headers"]["Authorization"] == f"Bearer {KEY}"
        assert KEY not in first["path"] + first["query"] + json.dumps(first["body"])
        assert "x-goog-api-key" not in {k.lower() for k in first["headers"]}
        assert first["body"] == {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
        assert (second["path"], second["query"]) == (
            "/v1beta/models/gemini-2.5-pro:generateContent",
            "",
        )


EXPECTED = {
    "400-API_KEY_INVALID": AuthenticationError,
    "404-NOT_FOUND": ModelNotFoundError,
    "403-PERMISSION_DENIED": PermissionDeniedError,
    "429-RESOURCE_EXHAUSTED": RateLimitError,
}


@pytest.mark.parametrize("entry", ERRORS, ids=_ids(ERRORS))
def test_recorded_errors_with_an_event_stream_content_type(entry: dict[str, Any]) -> None:
    [cls] = [v for k, v in EXPECTED.items() if k in entry["file"]]
    with ReplayServer() as srv:
        # Google answers a streaming request's error with text/event-stream (recorded).
        srv.queue(*[Answer(body_of(entry), status=entry["status"], seed=3)] * 3)
        with client(srv.base_url, max_retries=0) as c, pytest.raises(cls) as info:
            list(c.stream(model="gemini-x", messages=HELLO, api="gemini"))
    assert info.value.status_code == entry["status"]
    assert KEY not in repr(info.value) + str(info.value)


def test_a_429_waits_the_retry_info_delay_then_answers() -> None:
    body = json.loads(body_of(entry_named("429-RESOURCE_EXHAUSTED")))
    delay = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}
    body["error"]["details"].append(delay)
    with ReplayServer() as srv:
        srv.queue(
            Answer(json.dumps(body).encode(), status=429, content_type="application/json"),
            Answer(body_of(entry_named("text-3-chunks"))),
        )
        with client(srv.base_url) as c:
            stream = c.stream(model="gemini-x", messages=HELLO, api="gemini")
            assert stream.until_done().text.endswith("Paris.\n")
            assert stream.attempts == 1
    assert len(srv.requests) == 2


def test_an_api_key_invalid_400_is_not_retried() -> None:
    entry = entry_named("400-API_KEY_INVALID")
    with ReplayServer() as srv:
        srv.queue(*[Answer(body_of(entry), status=400)] * 3)
        with client(srv.base_url) as c, pytest.raises(AuthenticationError):
            c.create(model="gemini-x", messages=HELLO, api="gemini")
    assert len(srv.requests) == 1


# -- api="auto" and the testing kit -----------------------------------------------------------


def _no_responses(api: str, body: dict[str, Any]) -> Reply:
    if api == "responses":  # the gateway rejects the route: auto falls back to chat
        return Reply(status=405, error={"message": "Method Not Allowed"})
    return demo_responder(api, body)


def test_auto_learns_the_gemini_route_from_the_native_endpoint_header() -> None:
    with DevServer(_no_responses) as srv, client(srv.base_url) as c:
        first = c.create(model="gemini-2.5-flash", messages=HELLO)
        assert (first.api, first.native_endpoint) == ("chat", "/v1beta/gemini")
        second = c.stream(model="gemini-2.5-flash", messages=HELLO)
        assert second.until_done().text and second.api == "gemini"
        assert [r["api"] for r in srv.requests] == ["responses", "chat", "gemini"]


def test_a_conversation_holding_gemini_signatures_goes_there_directly() -> None:
    parts = [{"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "c2ln"}]
    messages = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "gemini_call_0",
                    "type": "function",
                    "function": {"name": "f", "arguments": "{}"},
                }
            ],
            "gemini_parts": parts,
        },
        {"role": "tool", "tool_call_id": "gemini_call_0", "content": "ok"},
    ]
    with DevServer() as srv, client(srv.base_url) as c:
        result = c.create(model="any-model", messages=messages)  # type: ignore[arg-type]
        assert result.api == "gemini" and "ok" in result.text
        [request] = srv.requests
        assert request["body"]["contents"][1]["parts"] == parts
