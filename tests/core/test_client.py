"""Client round trips: request bodies and headers sent, responses mapped, sync and async.

Round trips replay vcrpy cassettes from ``cassettes/core/`` (recorded against the in-repo
:class:`~lemon_adapters.testing.server.DevServer` with ``LEMON_RECORD_CASSETTES=1``; requests
match on method, path and JSON body, so the recording server's random port does not
matter). vcrpy replays a body as one chunk: chunk boundaries are covered by the pure
parser tests, and connection behaviour (closing on early exit) against a live DevServer on
127.0.0.1. Every test body runs once with the sync client and once with the async one.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import vcr  # type: ignore[import-untyped]

from lemon_adapters import AsyncLemonDataClient, LemonDataClient
from lemon_adapters.core.errors import AuthenticationError, ConfigurationError, LemonDataError
from lemon_adapters.core.events import Finish, StreamEvent
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.testing.server import DevServer, Reply
from tests.conftest import CASSETTES
from tests.core.wire.test_recordings import STREAMS, body_of, parse, random_split
from tests.invariants import check_invariants

KEY = "sk-test-cassette-0123456789abcdefXYZ"
CASSETTE_DIR = CASSETTES / "core"
RECORD = os.environ.get("LEMON_RECORD_CASSETTES") == "1"
REPLAY_BASE_URL = "http://127.0.0.1:8765/v1"  # never contacted: the cassette answers

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
TEXT = "Hello from the local server. 안녕하세요 🙂"
REASONING = "The user greets me; answer briefly."
CALLS = [("get_weather", '{"city": "Paris"}'), ("get_weather", '{"city": "Rome"}')]


def responder(api: str, body: dict[str, Any]) -> Reply:
    """Tool calls when tools are offered, else reasoning and text."""
    if body.get("tools"):
        return Reply(tool_calls=list(CALLS), input_tokens=40)
    return Reply(text=TEXT, reasoning=REASONING, input_tokens=20)


def _json_body(r1: Any, r2: Any) -> None:
    assert json.loads(r1.body or b"null") == json.loads(r2.body or b"null")


def make_vcr() -> Any:
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode="all" if RECORD else "none",
        filter_headers=["authorization", "cookie", "set-cookie", "x-api-key"],
        match_on=["method", "path", "json_body"],
    )
    recorder.register_matcher("json_body", _json_body)
    return recorder


@pytest.fixture
def base_url() -> Iterator[str]:
    """A live DevServer while recording; otherwise a URL only the cassette answers."""
    if RECORD:
        with DevServer(responder) as server:
            yield server.base_url
    else:
        yield REPLAY_BASE_URL


# -- one driver per client kind, one test body ------------------------------------------------


@dataclass
class Run:
    events: list[StreamEvent]
    result: StreamResult
    sent: list[httpx.Request] = field(default_factory=list)
    response: httpx.Response | None = None


class Driver:
    """Runs a call with the sync or the async client and returns what happened."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def stream(
        self,
        base_url: str,
        *,
        limit: int | None = None,
        chunks: list[bytes] | None = None,
        **call: Any,
    ) -> Run:
        """Stream a call; with ``chunks``, a mock transport answers with exactly those."""
        sent: list[httpx.Request] = []
        events: list[StreamEvent] = []
        transport = None if chunks is None else _chunked_transport(self.mode, chunks)
        if self.mode == "sync":
            with httpx.Client(event_hooks={"request": [sent.append]}, transport=transport) as http:
                client = LemonDataClient(
                    api_key=KEY, base_url=base_url, http_client=http, max_retries=0
                )
                with client.stream(**call) as stream:
                    for event in stream:
                        events.append(event)
                        if limit is not None and len(events) >= limit:
                            break
                return Run(events, stream.result, sent, stream.response)

        async def hook(request: httpx.Request) -> None:
            sent.append(request)

        async with httpx.AsyncClient(event_hooks={"request": [hook]}, transport=transport) as ahttp:
            aclient = AsyncLemonDataClient(
                api_key=KEY, base_url=base_url, http_client=ahttp, max_retries=0
            )
            async with aclient.stream(**call) as astream:
                async for event in astream:
                    events.append(event)
                    if limit is not None and len(events) >= limit:
                        break
            return Run(events, astream.result, sent, astream.response)

    async def create(self, base_url: str, **call: Any) -> Run:
        sent: list[httpx.Request] = []
        if self.mode == "sync":
            with httpx.Client(event_hooks={"request": [sent.append]}) as http:
                client = LemonDataClient(
                    api_key=KEY, base_url=base_url, http_client=http, max_retries=0
                )
                return Run([], client.create(**call), sent)

        async def hook(request: httpx.Request) -> None:
            sent.append(request)

        async with httpx.AsyncClient(event_hooks={"request": [hook]}) as ahttp:
            aclient = AsyncLemonDataClient(
                api_key=KEY, base_url=base_url, http_client=ahttp, max_retries=0
            )
            return Run([], await aclient.create(**call), sent)


def _chunked_transport(mode: str, chunks: list[bytes]) -> Any:
    """A transport whose response body arrives in exactly these network chunks."""
    headers = {"content-type": "text/event-stream", "x-request-id": "req_mock"}

    if mode == "sync":
        return httpx.MockTransport(
            lambda request: httpx.Response(200, headers=headers, content=iter(chunks))
        )

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=body())

    return httpx.MockTransport(handler)


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)


# -- round trips ----------------------------------------------------------------------------

PATHS = {"responses": "/v1/responses", "chat": "/v1/chat/completions"}


def _sent_body(run: Run) -> dict[str, Any]:
    assert len(run.sent) == 1
    request = run.sent[0]
    assert request.method == "POST"
    return dict(json.loads(request.content))


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_stream_text_round_trip(driver: Driver, base_url: str, api: str) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}]
    with make_vcr().use_cassette(f"stream_text_{api}.yaml"):
        run = await driver.stream(
            base_url, model="gpt-4o-mini", messages=messages, api=api, max_tokens=64
        )

    request = run.sent[0]
    assert request.url.path == PATHS[api]
    assert request.headers["authorization"] == f"Bearer {KEY}"  # sent, but not recorded
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["content-type"] == "application/json"
    body = _sent_body(run)
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True
    if api == "chat":
        assert body["messages"] == messages
        assert body["stream_options"] == {"include_usage": True}
        assert body["max_tokens"] == 64
    else:
        assert body["instructions"] == "Be brief."
        assert body["input"] == [{"role": "user", "content": "Hi!"}]
        assert body["max_output_tokens"] == 64
        assert "stream_options" not in body

    check_invariants(run.events)
    result = run.result
    assert result.api == api
    assert result.text == TEXT
    assert result.reasoning == REASONING
    assert result.tool_calls == []
    assert result.finish_reason == "stop"
    assert result.usage is not None and result.usage.input_tokens == 20
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    assert result.model == "gpt-4o-mini"
    assert result.response_id
    assert result.cache_status == "MISS"
    assert result.request_id is not None and result.request_id.startswith("req_")
    assert "".join(e.text for e in run.events if e.kind == "text") == TEXT
    assert run.response is not None and run.response.is_closed


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_stream_tool_calls_round_trip(driver: Driver, base_url: str, api: str) -> None:
    messages = [{"role": "user", "content": "Weather in Paris and Rome?"}]
    with make_vcr().use_cassette(f"stream_tools_{api}.yaml"):
        run = await driver.stream(
            base_url,
            model="gpt-4o",
            messages=messages,
            api=api,
            tools=TOOLS,
            tool_choice="required",
        )
    body = _sent_body(run)
    if api == "chat":
        assert body["tools"] == TOOLS
        assert body["tool_choice"] == "required"
    else:
        assert body["tools"] == [{"type": "function", **TOOLS[0]["function"]}]
        assert body["tool_choice"] == "required"

    check_invariants(run.events)
    result = run.result
    assert [(c.index, c.name, c.args) for c in result.tool_calls] == [
        (0, "get_weather", {"city": "Paris"}),
        (1, "get_weather", {"city": "Rome"}),
    ]
    assert all(c.id and c.error is None for c in result.tool_calls)
    assert len({c.id for c in result.tool_calls}) == 2
    assert result.finish_reason == "tool_calls"
    assert result.text == ""
    assert result.usage is not None and result.usage.input_tokens == 40


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_create_returns_the_same_result_type(driver: Driver, base_url: str, api: str) -> None:
    messages = [{"role": "user", "content": "Hi!"}]
    with make_vcr().use_cassette(f"create_text_{api}.yaml"):
        run = await driver.create(base_url, model="gpt-4o-mini", messages=messages, api=api)
    request = run.sent[0]
    assert request.headers["accept"] == "application/json"
    body = _sent_body(run)
    assert body["stream"] is False and "stream_options" not in body
    result = run.result
    assert type(result) is StreamResult
    assert (result.text, result.reasoning, result.finish_reason) == (TEXT, REASONING, "stop")
    assert result.usage is not None and result.usage.input_tokens == 20
    assert result.model == "gpt-4o-mini" and result.response_id
    assert result.request_id is not None and result.request_id.startswith("req_")


def test_cassettes_exist_and_are_scrubbed() -> None:
    names = {p.name for p in CASSETTE_DIR.glob("*.yaml")}
    expected = {
        f"{kind}_{api}.yaml"
        for kind in ("stream_text", "stream_tools", "create_text")
        for api in ("responses", "chat")
    }
    assert expected <= names
    for path in CASSETTE_DIR.glob("*.yaml"):
        text = path.read_text()
        assert "Bearer sk-" not in text, path
        assert KEY not in text, path
        assert "authorization" not in text.lower(), path
        assert "127.0.0.1" in text  # recorded against the local DevServer only


# -- keys and errors ----------------------------------------------------------------------------


async def test_missing_key_fails_at_call_time_not_construction(driver: Driver) -> None:
    cls = LemonDataClient if driver.mode == "sync" else AsyncLemonDataClient
    client = cls(base_url=REPLAY_BASE_URL)  # no key anywhere: constructing is fine
    assert "missing" in repr(client)
    with pytest.raises(ConfigurationError, match="LEMONDATA_API_KEY"):
        stream = client.stream(model="m", messages=[{"role": "user", "content": "x"}])
        if driver.mode == "sync":
            with stream:  # type: ignore[union-attr]
                pass
        else:
            async with stream:  # type: ignore[union-attr]
                pass
    with pytest.raises(ConfigurationError):
        result = client.create(model="m", messages=[{"role": "user", "content": "x"}])
        if driver.mode == "async":
            await result  # type: ignore[misc]
    if driver.mode == "sync":
        client.close()  # type: ignore[union-attr]
    else:
        await client.aclose()  # type: ignore[union-attr]


def _echo_key_responder(api: str, body: dict[str, Any]) -> Reply:
    return Reply(
        status=401,
        error={
            "message": f"Incorrect API key provided: {KEY}. Authorization: Bearer {KEY}",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        },
    )


async def test_key_never_in_reprs_or_error_text(driver: Driver) -> None:
    with DevServer(_echo_key_responder) as server, pytest.raises(AuthenticationError) as info:
        await driver.stream(server.base_url, model="m", messages=[{"role": "user", "content": "x"}])
    err = info.value
    assert err.status_code == 401 and err.code == "invalid_api_key"
    for text in (str(err), repr(err), err.message, " ".join(map(str, err.args))):
        assert KEY not in text
        assert "sk-test" not in text
    with LemonDataClient(api_key=KEY) as client:
        assert KEY not in repr(client) and "set" in repr(client)
        assert KEY not in repr(client.stream(model="m", messages=[]))
    async with AsyncLemonDataClient(api_key=KEY) as aclient:
        assert KEY not in repr(aclient)
        assert KEY not in repr(aclient.stream(model="m", messages=[]))
    assert KEY not in str(LemonDataError(f"boom {KEY}"))
    assert KEY not in repr(LemonDataError(f"Bearer {KEY}"))


# -- leaving early closes the response (live server: real connections) -------------------------


def _long_responder(api: str, body: dict[str, Any]) -> Reply:
    return Reply(text="word " * 2000, chunk_chars=5)


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_leaving_the_loop_early_closes_the_response(driver: Driver, api: str) -> None:
    with DevServer(_long_responder) as server:
        run = await driver.stream(
            server.base_url,
            model="m",
            api=api,
            limit=3,
            messages=[{"role": "user", "content": "x"}],
        )
        assert len(run.events) == 3
        assert run.response is not None and run.response.is_closed
        assert not run.result.complete  # the answer was cut by us, not finished
        # The server is still healthy and the next request is served normally.
        again = await driver.stream(
            server.base_url, model="m", api=api, messages=[{"role": "user", "content": "x"}]
        )
        assert again.result.text == "word " * 2000
        assert again.response is not None and again.response.is_closed


def test_explicit_close_without_with_block_closes_the_response() -> None:
    with DevServer(_long_responder) as server:
        client = LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=0)
        stream = client.stream(model="m", messages=[{"role": "user", "content": "x"}])
        first = next(iter(stream))
        assert first.kind == "response_started"
        assert stream.response is not None and not stream.response.is_closed
        stream.close()
        assert stream.response.is_closed
        client.close()


# -- the demo -----------------------------------------------------------------------------------


# -- every recording through both clients under random network chunking -----------------------


@pytest.mark.parametrize("entry", STREAMS, ids=[e["file"].removesuffix(".body") for e in STREAMS])
async def test_recordings_through_both_clients(driver: Driver, entry: dict[str, Any]) -> None:
    expected = parse(entry)
    chunks = random_split(body_of(entry), seed=len(entry["file"]))
    call = {"model": "m", "api": entry["api"], "messages": [{"role": "user", "content": "x"}]}
    try:
        run = await driver.stream("http://127.0.0.1:9/v1", chunks=chunks, **call)
    except LemonDataError as exc:
        assert expected.failure is not None, exc
        assert type(exc) is type(expected.failure)
        assert exc.message == expected.failure.message
        assert exc.request_id == "req_mock"
        assert exc.partial is not None
        assert exc.partial.text == expected.result.text
        assert exc.partial.reasoning == expected.result.reasoning
        return
    assert expected.failure is None
    # The same events; the finish carries the client's result (the headers' facts too).
    assert run.events[:-1] == expected.events[:-1]
    finish, want_finish = run.events[-1], expected.events[-1]
    assert isinstance(finish, Finish) and isinstance(want_finish, Finish)
    assert (finish.reason, finish.raw_reason) == (want_finish.reason, want_finish.raw_reason)
    assert finish.result == run.result
    check_invariants(run.events)
    got, want = run.result, expected.result
    assert (got.text, got.reasoning, got.refusal) == (want.text, want.reasoning, want.refusal)
    assert got.tool_calls == want.tool_calls
    assert (got.usage, got.finish_reason, got.response_id, got.model) == (
        want.usage,
        want.finish_reason,
        want.response_id,
        want.model,
    )
    assert got.request_id == "req_mock"


async def test_explicit_aclose_without_async_with_closes_the_response() -> None:
    with DevServer(_long_responder) as server:
        async with AsyncLemonDataClient(
            api_key=KEY, base_url=server.base_url, max_retries=0
        ) as client:
            stream = client.stream(model="m", messages=[{"role": "user", "content": "x"}])
            first = await stream.__anext__()
            assert first.kind == "response_started"
            assert stream.response is not None and not stream.response.is_closed
            await stream.aclose()
            assert stream.response.is_closed
