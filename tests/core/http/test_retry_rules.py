"""The pure decision rules (:mod:`lemon_adapters.core.http.retry`) as the request lifecycle
(:class:`~lemon_adapters.core.http.exchange.Exchange`) applies them: no server, no sleep, the
clock and the jitter in the test's hands."""

from __future__ import annotations

import email.utils
import json
import random
import time
from typing import Any

import pytest

from lemon_adapters import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    IncompleteStreamError,
    MalformedStreamError,
    NotFoundError,
    RateLimitError,
    StreamDisconnectedError,
    StreamError,
)
from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    APIStatusError,
    InternalServerError,
    LemonDataError,
    api_error,
    parse_retry_after,
)
from lemon_adapters.core.http.config import ClientConfig, Timeouts
from lemon_adapters.core.http.exchange import Exchange
from lemon_adapters.core.http.flow import Send, Sleep
from lemon_adapters.core.http.retry import RetryPolicy, RouteMemory, is_route_rejection
from lemon_adapters.core.http.routes import REJECTIONS, ROUTE_TABLE, Route
from lemon_adapters.core.request.build import Request
from lemon_adapters.testing.contract import DOCUMENTED_ERRORS


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "bad", "retry-after": "2"}, 2.0),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    future = email.utils.formatdate(time.time() + 120, usegmt=True)
    past = email.utils.formatdate(time.time() - 120, usegmt=True)
    assert parse_retry_after({"retry-after": future}) == pytest.approx(120, abs=2)
    assert parse_retry_after({"retry-after": past}) == 0.0


def test_backoff_is_exponential_jittered_and_capped() -> None:
    random.seed(7)
    policy = RetryPolicy(10, initial_delay=0.5, max_delay=4.0)
    err = RateLimitError("slow down", retry_after=None)
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        waits = {policy.delay(attempt, err) for _ in range(50)}
        assert all(w is not None and ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1  # jitter
    assert policy.delay(10, err) is None  # out of retries


def test_server_wait_wins_but_is_capped() -> None:
    policy = RetryPolicy(3, max_delay=2.0)
    assert policy.delay(0, RateLimitError("x", retry_after=1.25)) == 1.25
    assert policy.delay(0, RateLimitError("x", retry_after=60)) == 2.0
    assert policy.delay(0, RateLimitError("x", retry_after=0)) == 0.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def exchange(
    mode: str = "responses",
    *,
    retries: int = 2,
    max_delay: float = 0.0,
    deadline: float | None = None,
    resume: bool = False,
    routes: RouteMemory | None = None,
    clock: Clock | None = None,
    jitter: Any = None,
) -> Exchange:
    """A real Exchange, its clock and jitter in the test's hands, no server anywhere."""
    config = ClientConfig(
        api_key="sk-test-rules",
        base_url="https://gw.example/v1",
        timeouts=Timeouts(10.0, 120.0, 30.0, 30.0),
        retry=RetryPolicy(retries, max_delay=max_delay, jitter=jitter or random.uniform),
        deadline=deadline,
        default_headers={},
        routes=RouteMemory() if routes is None else routes,
    )
    options: dict[str, Any] = {"background": True} if resume else {}
    request = Request(model="m", messages=[{"role": "user", "content": "hi"}], options=options)
    return Exchange(config, request, mode=mode, stream=True, resume=resume, clock=clock or Clock())  # type: ignore[arg-type]


SSE = {"content-type": "text/event-stream"}
CREATED = b'data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1"}}\n\n'
DELTA = b'data: {"type":"response.output_text.delta","sequence_number":1,"delta":"Hi"}\n\n'


def delivered(ex: Exchange) -> None:
    """Drive ``ex`` to its first event reaching the caller."""
    ex.next_request()
    assert ex.open(200, SSE) == "stream"
    assert [e.kind for e in ex.feed(CREATED + DELTA)] == ["response_started", "text"]
    ex.check()


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (APIConnectionError("refused"), True),
        (APITimeoutError("idle"), True),
        (StreamDisconnectedError("drop"), True),
        (IncompleteStreamError("empty"), True),
        (RateLimitError("429"), True),
        (InternalServerError("500", status_code=500), True),
        (InternalServerError("503", status_code=503, retryable=False), False),
        (BadRequestError("400", status_code=400), False),
        (BadRequestError("400", status_code=400, retryable=True), True),
        (MalformedStreamError("html"), False),
        (StreamError("boom"), False),
        (StreamError("boom", retryable=True), True),
    ],
)
def test_what_is_retried_before_the_first_event(error: LemonDataError, retried: bool) -> None:
    ex = exchange()
    ex.next_request()
    if retried:
        assert ex.retry_delay(error) == 0.0 and ex.attempts == 1
    else:
        with pytest.raises(type(error)):
            ex.retry_delay(error)


def test_backoff_uses_the_injected_jitter_and_stops_at_the_budget() -> None:
    asked: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    ex = exchange(retries=3, max_delay=1.5, jitter=jitter)
    waits = [ex.retry_delay(APIConnectionError("refused")) for _ in range(3)]
    assert waits == [0.5, 1.0, 1.5] and asked == [(0.25, 0.5), (0.5, 1.0), (0.75, 1.5)]
    with pytest.raises(APIConnectionError):
        ex.retry_delay(APIConnectionError("refused"))  # out of retries


def test_nothing_is_retried_after_the_first_event() -> None:
    ex = exchange("auto", retries=5)
    delivered(ex)
    for error in (
        APIConnectionError("x"),
        RateLimitError("x"),
        NotFoundError("route", status_code=404),
    ):
        with pytest.raises(type(error)):
            ex.retry_delay(error)


def test_an_error_frame_before_any_output_reaches_nobody_and_is_retried() -> None:
    ex = exchange()
    ex.next_request()
    ex.open(200, SSE)
    frame = b'data: {"type":"error","code":"overloaded","message":"busy","retryable":true}\n\n'
    assert ex.feed(CREATED + frame) == []  # not even ResponseStarted: a retry starts clean
    with pytest.raises(StreamError) as info:
        ex.check()
    assert info.value.retryable and ex.retry_delay(info.value) == 0.0
    assert ex.next_request().method == "POST"  # a fresh request, not a resume


def test_resume_needs_a_response_id_and_has_a_budget() -> None:
    ex = exchange(resume=True)
    ex.next_request()
    ex.open(200, SSE)
    assert ex.feed(DELTA)  # output, but no response.created: no id to resume from
    with pytest.raises(StreamDisconnectedError):
        ex.retry_delay(StreamDisconnectedError("drop"))
    ex = exchange(resume=True)
    delivered(ex)
    drop = StreamDisconnectedError("drop")
    assert ex.retry_delay(drop) == 0.0
    req = ex.next_request()
    assert (req.method, req.url, req.params) == (
        "GET",
        "https://gw.example/v1/responses/resp_1",
        {"stream": "true", "starting_after": "1"},
    )
    assert ex.retry_delay(drop) == 0.0
    with pytest.raises(StreamDisconnectedError):
        ex.retry_delay(drop)  # two resumes without progress
    with pytest.raises(StreamError):
        exchange(resume=True).retry_delay(StreamError("model failed"))  # not a transport fault


def test_the_deadline_is_one_object_on_the_injected_clock() -> None:
    clock = Clock()
    ex = exchange(deadline=5.0, clock=clock, retries=3, max_delay=30.0)
    assert ex.deadline.remaining() is None  # the clock starts with the first request
    req = ex.next_request()
    assert req.timeouts.read == 5.0 and req.timeouts.connect == 5.0  # cut to the time left
    clock.now += 4.0
    assert ex.deadline.remaining() == 1.0
    with pytest.raises(RateLimitError):
        ex.retry_delay(RateLimitError("x", retry_after=2.0))  # a wait longer than the time left
    assert ex.retry_delay(RateLimitError("x", retry_after=0.5)) == 0.5
    ex.next_request()
    ex.open(200, SSE)
    clock.now += 1.5  # past the deadline before the next chunk
    assert ex.feed(CREATED) == []
    with pytest.raises(APITimeoutError) as info:
        ex.check()
    assert info.value.code == DEADLINE_CODE and not info.value.retryable
    with pytest.raises(APITimeoutError):
        ex.retry_delay(info.value)  # final


def test_a_drop_after_the_terminal_event_keeps_the_answer() -> None:
    ex = exchange()
    ex.next_request()
    ex.open(200, SSE)
    done = b'data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1"}}\n\n'
    assert [e.kind for e in ex.feed(CREATED + DELTA + done)][-1] == "finish"
    assert ex.transport_error("dropped", "RemoteProtocolError: peer closed") is None
    ex.check()
    assert ex.result.text == "Hi" and ex.result.complete


def test_transport_failures_become_typed_errors_with_the_partial() -> None:
    ex = exchange()
    delivered(ex)
    err = ex.transport_error("dropped", "ReadError: reset by peer")
    assert isinstance(err, StreamDisconnectedError) and err.partial is not None
    assert err.partial.text == "Hi" and err.output_received
    ex = exchange()
    ex.next_request()
    timeout = ex.transport_error("connect_timeout", "ConnectTimeout")
    assert isinstance(timeout, APITimeoutError) and "10.0s while connecting" in str(timeout)
    assert isinstance(ex.transport_error("decoding", "bad gzip"), MalformedStreamError)


def test_retry_after_dates_use_the_injected_wall_clock() -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    now = email.utils.parsedate_to_datetime(date).timestamp() - 7
    err = api_error(503, {"retry-after": date}, b'{"error": {"message": "busy"}}', now=now)
    assert err.retry_after == 7.0 and err.retryable


@pytest.mark.parametrize(
    ("status", "fields", "expected"),
    [
        (404, {"code": "not_found"}, True),
        (404, {"code": "model_not_found", "param": "model"}, False),
        (404, {"param": "model"}, False),
        (405, {}, True),
        (501, {}, True),
        (400, {"message": "The Responses API is not supported for this model"}, True),
        (400, {"message": "Unsupported parameter: 'instructions'", "param": "instructions"}, True),
        (400, {"message": "Unsupported parameter: 'temperature'", "param": "temperature"}, False),
        (400, {"message": "temperature must be <= 2", "param": "temperature"}, False),
        (503, {"message": "/v1/responses is not available for this provider"}, True),
        (503, {"message": "upstream overloaded"}, False),
        (500, {"message": "responses not supported"}, False),
        (429, {}, False),
    ],
)
def test_route_rejection(status: int, fields: dict[str, str], expected: bool) -> None:
    message = fields.pop("message", f"HTTP {status}")
    error = APIStatusError(message, status_code=status, **fields)  # type: ignore[arg-type]
    assert is_route_rejection(error) is expected


def test_fallback_once_and_remembered_only_on_success() -> None:
    routes = RouteMemory()
    ex = exchange("auto", retries=0, routes=routes)
    assert ex.next_request().url.endswith("/responses")
    assert ex.retry_delay(NotFoundError("no route", status_code=404)) == 0.0
    assert ex.api == "chat" and routes.get("https://gw.example/v1", "m") is None
    assert ex.next_request().url.endswith("/chat/completions")
    with pytest.raises(NotFoundError):
        ex.retry_delay(NotFoundError("no route", status_code=404))  # only once
    ex = exchange("auto", retries=0, routes=routes)
    ex.retry_delay(NotFoundError("no route", status_code=404))
    ex.next_request()
    ex.open(200, SSE)  # a usable answer: the choice is remembered
    assert routes.get("https://gw.example/v1", "m") == "chat" and len(routes) == 1
    assert exchange("auto", routes=routes).api == "chat"  # the next call goes straight there
    routes.forget(model="m")
    assert routes.get("https://gw.example/v1", "m") is None


@pytest.mark.parametrize(("name", "status", "error"), DOCUMENTED_ERRORS, ids=lambda v: str(v))
def test_no_documented_lemondata_error_is_a_route_rejection(
    name: str, status: int, error: dict[str, Any]
) -> None:
    """Every error body LemonData documents is about the request, the key or the model,
    never the route: none of them sends an ``api="auto"`` call to another route."""
    err = api_error(status, {}, json.dumps({"error": error}).encode(), now=0.0)
    assert not is_route_rejection(err), name


@pytest.mark.parametrize(
    ("status", "body", "rule"),
    [
        (404, {"message": "Not Found", "type": "invalid_request_error"}, "status"),
        (405, {"message": "Method Not Allowed"}, "status"),
        (501, {"message": "Not Implemented"}, "status"),
        (
            400,
            {"message": "Unknown field", "type": "invalid_request_error", "param": "input"},
            "param",
        ),
        (
            400,
            {
                "message": "Unrecognized request argument",
                "code": "invalid_request_error",
                "param": "max_output_tokens",
            },
            "param",
        ),
        (503, {"message": "/v1/responses is not available for this provider"}, "text"),
        (400, {"message": "This model does not support the Responses API"}, "text"),
    ],
)
def test_each_rejection_shape_through_the_error_reader(
    status: int, body: dict[str, Any], rule: str
) -> None:
    """Each rule of :data:`~lemon_adapters.core.http.routes.REJECTIONS`, on a body read by
    the one error reader; the same body about the model, or after output, is not one."""
    err = api_error(status, {}, json.dumps({"error": body}).encode(), now=0.0)
    assert [r.__name__ for r in REJECTIONS if r(err)] == [f"_by_{rule}"]
    assert is_route_rejection(err)
    err.output_received = True
    assert not is_route_rejection(err)
    about_model = api_error(
        status, {}, json.dumps({"error": {**body, "param": "model"}}).encode(), now=0.0
    )
    assert not is_route_rejection(about_model) or rule == "text"


def test_a_route_is_one_row_and_may_sit_beside_v1() -> None:
    """Adding a wire format's route is data: a path (with the model in it, at the host's
    root if need be), its headers and query."""
    gemini = Route(
        "/v1beta/models/{model}:streamGenerateContent", params={"alt": "sse"}, at_root=True
    )
    assert (
        gemini.url("https://api.lemondata.cc/v1", "gemini-2.5-flash")
        == "https://api.lemondata.cc/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    )
    assert Route("/messages").url("http://127.0.0.1:9/v1", "m") == "http://127.0.0.1:9/v1/messages"
    assert ROUTE_TABLE["messages"].headers == {"anthropic-version": "2023-06-01"}
    ex = exchange("messages")
    req = ex.next_request()
    assert req.url.endswith("/v1/messages") and req.headers["anthropic-version"] == "2023-06-01"


def test_the_exchange_is_one_generator_driven_by_hand() -> None:
    """What a driver does, without one: send what ``steps`` yields, send back the status,
    read in the mode it yields, throw failures in, sleep when told; every decision (the
    503 retried after the injected jitter's wait, the stream read) is the generator's."""
    ex = exchange(retries=1, max_delay=2.0, jitter=lambda low, high: high)
    steps = ex.steps()
    send = next(steps)
    assert isinstance(send, Send) and send.request.url.endswith("/responses")
    assert steps.send((503, {"content-type": "application/json"})) == "whole"
    ex.read_whole(b'{"error": {"message": "busy", "type": "server_error"}}')
    with pytest.raises(InternalServerError) as info:
        ex.check()
    assert steps.throw(info.value) == Sleep(0.5)  # the backoff, from the injected jitter
    send = next(steps)
    assert isinstance(send, Send) and send.request.method == "POST" and ex.attempts == 1
    assert steps.send((200, SSE)) == "stream"
    done = b'data: {"type":"response.completed","sequence_number":2,"response":{"id":"r"}}\n\n'
    assert [e.kind for e in ex.feed(CREATED + DELTA + done)][-1] == "finish"
    ex.end()
    ex.check()
    with pytest.raises(StopIteration):
        next(steps)  # read through: the exchange is over
    assert ex.result.text == "Hi"


def test_the_generator_reraises_what_ends_the_call() -> None:
    ex = exchange(retries=0)
    steps = ex.steps()
    next(steps)
    with pytest.raises(BadRequestError):
        steps.throw(BadRequestError("no", status_code=400))
