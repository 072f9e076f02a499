"""The testing kit as a user meets it: every route, scripted and recorded replies, faults,
the requests it received, and a plugin that imports no framework."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lemon_adapters import LemonDataClient, RateLimitError
from lemon_adapters.core.request.call import ApiChoice
from lemon_adapters.testing import (
    DevServer,
    ProcessDevServer,
    Reply,
    demo_responder,
    error_reply,
    recorded,
)
from lemon_adapters.testing.wires import WIRES
from tests.conftest import WIRE

KEY = "sk-test-kit-0123456789"
HI = [{"role": "user", "content": "Hi"}]
APIS: list[ApiChoice] = ["responses", "chat", "messages"]


@pytest.fixture
def server() -> Iterator[DevServer]:
    with DevServer(lambda api, body: Reply(text="unscripted")) as srv:
        yield srv


def _post(
    server: DevServer, path: str, body: object, method: str = "POST"
) -> tuple[http.client.HTTPResponse, bytes, bool]:
    """``(response, body bytes, whether the body came whole)``, the connection closed."""
    url = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        data = None if method == "GET" else json.dumps(body)
        conn.request(method, f"{url.path}{path}", data, {"Content-Type": "application/json"})
        response = conn.getresponse()
        try:
            return response, response.read(), True
        except http.client.IncompleteRead as exc:
            return response, exc.partial, False
    finally:
        conn.close()


def _raw(server: DevServer, path: str, body: object) -> socket.socket:
    """A raw socket that has sent one POST (for reading exactly what the server writes)."""
    url = urlsplit(server.base_url)
    data = json.dumps(body).encode()
    sock = socket.create_connection((url.hostname or "", url.port or 0), timeout=10)
    head = f"POST {url.path}{path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n"
    sock.sendall(head.encode() + data)
    return sock


@pytest.mark.parametrize("api", APIS)
def test_scripted_text_reasoning_and_tool_calls_reach_the_client(
    server: DevServer, api: ApiChoice
) -> None:
    calls = [("lookup", ['{"city"', ': "Seoul"}'])]
    server.script(Reply(text=["Hel", "lo"], reasoning="thinking it over"), Reply(tool_calls=calls))
    with LemonDataClient(api_key=KEY, base_url=server.base_url) as client:
        with client.stream(model="m", messages=HI, api=api) as stream:
            texts = [e.text for e in stream if type(e).__name__ == "TextDelta"]
        assert texts == ["Hel", "lo"] and stream.result.reasoning == "thinking it over"
        second = client.create(model="m", messages=HI, api=api)
        third = client.create(model="m", messages=HI, api=api)
    assert [(c.name, c.args) for c in second.tool_calls] == [("lookup", {"city": "Seoul"})]
    assert third.text == "unscripted"  # the script is used up: the responder answers again
    assert [r["api"] for r in server.requests] == [api] * 3


@pytest.mark.parametrize("api", APIS)
def test_a_non_streamed_answer_is_the_streams_final_state(server: DevServer, api: str) -> None:
    reply = Reply(text="whole answer", tool_calls=[("f", "{}")])
    wire = WIRES[api]
    streamed = wire.complete(reply, "m")
    server.script(reply)
    route = {"responses": "/responses", "chat": "/chat/completions", "messages": "/messages"}
    answer = json.loads(_post(server, route[api], {"model": "m", "stream": False})[1])
    assert "whole answer" in json.dumps(answer) and answer.keys() == streamed.keys()


def test_a_recorded_stream_is_served_byte_for_byte(server: DevServer) -> None:
    path = sorted(WIRE.glob("resp__*.body"))[0]
    server.script(recorded(path))
    response, body, whole = _post(server, "/responses", {"model": "m", "stream": True})
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert whole and body == path.read_bytes()


def test_a_recorded_json_body_keeps_its_status_and_type(server: DevServer) -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    server.script(recorded(page, "text/html", status=502))
    response, body, _ = _post(
        server, "/embeddings", {"model": "text-embedding-3-small", "input": "x"}
    )
    assert (response.status, response.getheader("Content-Type")) == (502, "text/html")
    assert body == page


def test_a_cut_stream_ends_after_exactly_n_body_bytes(server: DevServer) -> None:
    _, whole, complete = _post(server, "/responses", {"model": "m", "stream": True})
    server.script(Reply(text="unscripted", cut_after=50))
    _, partial, cut_complete = _post(server, "/responses", {"model": "m", "stream": True})
    assert complete and not cut_complete
    # the first 50 bytes name the event and the id's prefix, the same in every response
    assert len(partial) == 50 and partial[:40] == whole[:40]


@pytest.mark.parametrize(
    ("path", "keepalive"), [("/responses", b": keep-alive"), ("/messages", b"event: ping")]
)
def test_a_stall_is_padded_with_the_routes_keep_alive(
    server: DevServer, path: str, keepalive: bytes
) -> None:
    server.script(Reply(text="unscripted", stall_after=10, keepalive=0.01, stall_limit=5))
    sock = _raw(server, path, {"model": "m", "stream": True})
    seen = b""
    while seen.count(keepalive) < 3:
        chunk = sock.recv(4096)
        assert chunk, "the server hung up during the stall"
        seen += chunk
    sock.close()
    body = seen.split(b"\r\n\r\n", 1)[1]
    assert b"response.output_text" not in body and b"content_block_delta" not in body


def test_a_429_with_retry_after_is_retried_then_answered(server: DevServer) -> None:
    server.script(error_reply(429, retry_after=0), Reply(text="recovered"))
    with LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=1) as client:
        assert client.create(model="m", messages=HI).text == "recovered"
    server.script(error_reply(429, retry_after=7))
    response, body, _ = _post(server, "/responses", {"model": "m"})
    assert response.status == 429 and response.getheader("Retry-After") == "7"
    assert json.loads(body)["error"]["type"] in (
        "rate_limit_exceeded",
        "rate_limit_error",
    )
    server.script(error_reply(429, retry_after=0))
    client = LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=0)
    with client, pytest.raises(RateLimitError):
        client.create(model="m", messages=HI)


def test_every_request_is_recorded_with_its_route(server: DevServer) -> None:
    assert json.loads(_post(server, "/models", None, "GET")[1])["object"] == "list"
    _post(server, "/embeddings", {"model": "text-embedding-3-small", "input": "lemon"})
    rerank = {"model": "BAAI/bge-reranker-v2-m3", "query": "q", "documents": ["d"]}
    assert _post(server, "/rerank", rerank)[0].status == 200
    assert _post(server, "/nowhere", {})[0].status == 404
    seen = [(r["method"], r["api"]) for r in server.requests]
    assert seen == [
        ("GET", "models"),
        ("POST", "embeddings"),
        ("POST", "rerank"),
        ("POST", "nowhere"),
    ]
    assert server.requests[1]["body"]["input"] == "lemon"


def test_messages_frames_padded_like_the_real_api_parse_the_same(server: DevServer) -> None:
    results = []
    for padding in (False, True):
        server.script(Reply(text="same answer", reasoning="why", wire_padding=padding))
        with LemonDataClient(api_key=KEY, base_url=server.base_url) as client:
            result = client.create(model="m", messages=HI, api="messages")
        results.append((result.text, result.reasoning, result.finish_reason))
    frames = [f for f, _ in WIRES["messages"].render(Reply(text="x", wire_padding=True), "m")]
    assert results[0] == results[1] and b"event: ping" in frames[2] and b" }" in b"".join(frames)


def test_the_plugin_fixture_is_a_running_server(lemon_server: DevServer) -> None:
    lemon_server.script(Reply(text="from the fixture"))
    with LemonDataClient(api_key=KEY, base_url=lemon_server.base_url) as client:
        assert client.create(model="m", messages=HI).text == "from the fixture"
    assert lemon_server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"


def test_loading_the_plugin_imports_no_framework_and_no_http_client() -> None:
    code = (
        "import sys, lemon_adapters.testing.plugin\n"
        "heavy = ('langchain', 'langchain_core', 'llama_index', 'httpx', 'pydantic')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_server_in_a_child_process_is_scripted_and_reports_its_requests() -> None:
    with ProcessDevServer() as child:  # the demo assistant, importable by name
        child.script(Reply(text="from the child"), error_reply(429, retry_after=0))
        with LemonDataClient(api_key=KEY, base_url=child.base_url, max_retries=1) as client:
            assert client.create(model="m", messages=HI).text == "from the child"
            assert "You asked" in client.create(model="m", messages=HI).text  # 429, retried
        assert [r["api"] for r in child.requests] == ["responses"] * 3
        assert child.responder is demo_responder
