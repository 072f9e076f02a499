"""The testing kit's Gemini route (``lemon_adapters.testing.gemini``): SSE with ``alt=sse``,
one JSON array without it, Google's error shape (with the stream's content type, as Google
answers), and whole ``generateContent`` answers; each read back by the core's parser."""

from __future__ import annotations

import json

import httpx
import pytest

from lemon_adapters.testing.gemini import parse_route
from lemon_adapters.testing.server import DevServer
from tests.parsing import parse_body


def test_routes_are_read_from_the_path() -> None:
    assert parse_route("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse") == (
        "gemini-2.5-flash",
        True,
        True,
    )
    assert parse_route("/v1beta/models/google%2Fgemini:generateContent") == (
        "google/gemini",
        False,
        False,
    )
    assert parse_route("/v1/chat/completions") is None
    assert parse_route("/v1beta/models/x:countTokens") is None


def test_the_kit_serves_sse_json_array_errors_and_whole_answers() -> None:
    tools = [
        {"functionDeclarations": [{"name": "mul", "parametersJsonSchema": {"type": "object"}}]}
    ]
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "tools": tools}
    with DevServer() as srv:
        host = srv.base_url.removesuffix("/v1")
        url = f"{host}/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        sse = httpx.post(url, params={"alt": "sse"}, json=body)
        assert sse.headers["content-type"].startswith("text/event-stream")
        array = httpx.post(url, json=body)
        assert array.headers["content-type"].startswith("application/json")
        from_sse = parse_body("gemini", sse.content).result
        from_array = parse_body("gemini", array.content).result
        assert (
            [c.name for c in from_sse.tool_calls]
            == ["mul"]
            == [c.name for c in from_array.tool_calls]
        )
        assert from_sse.blocks[0]["thoughtSignature"]
        assert isinstance(json.loads(array.content), list)
        error = httpx.post(
            f"{host}/v1beta/models/error-429:streamGenerateContent",
            params={"alt": "sse"},
            json=body,
        )
        assert error.status_code == 429
        assert error.headers["content-type"].startswith("text/event-stream")
        assert error.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        whole = httpx.post(f"{host}/v1beta/models/gemini-2.5-flash:generateContent", json=body)
        assert whole.json()["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "mul"


def test_scripted_recorded_and_faulted_replies_on_the_gemini_route(
    lemon_server: DevServer,
) -> None:
    """``script()`` answers the Gemini route too: a scripted reply, a recorded body byte for
    byte, and a keep-alive-padded stall that the client's stall limit ends."""
    from lemon_adapters import APITimeoutError, LemonDataClient
    from lemon_adapters.testing import Reply, recorded

    recorded_body = b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},'
    recorded_body += b'"finishReason":"STOP"}]}\n\n'
    lemon_server.script(
        Reply(text="Lemons are yellow."),
        recorded(recorded_body),
        Reply(text="Lemons are yellow and sour.", stall_after=40, keepalive=0.05),
    )
    messages = [{"role": "user", "content": "hi"}]
    client = LemonDataClient(
        api_key="sk-test", base_url=lemon_server.base_url, stall_timeout=0.5, max_retries=0
    )
    with client:
        assert client.create(model="gemini-2.5-flash", api="gemini", messages=messages).text == (
            "Lemons are yellow."
        )
        assert client.create(model="gemini-2.5-flash", api="gemini", messages=messages).text == (
            "Hi"
        )
        stream = client.stream(model="gemini-2.5-flash", api="gemini", messages=messages)
        with pytest.raises(APITimeoutError) as stalled, stream:
            for _ in stream:
                pass
    assert stalled.value.code == "stream_stalled"
    assert [r["api"] for r in lemon_server.requests] == ["gemini"] * 3
