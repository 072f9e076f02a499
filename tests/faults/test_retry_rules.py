"""The pure decision rules of :mod:`lemon_adapters.core.retry`, without a server."""

from __future__ import annotations

import email.utils
import random
import time

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
from lemon_adapters.core.errors import APIStatusError, InternalServerError
from lemon_adapters.core.retry import (
    RetryPolicy,
    RouteMemory,
    StreamPlan,
    is_route_rejection,
    parse_retry_after,
)


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
def test_what_is_retried_before_the_first_event(error: Exception, retried: bool) -> None:
    plan = StreamPlan(
        mode="responses",
        api="responses",
        model="m",
        base_url="b",
        policy=RetryPolicy(2, max_delay=0.0),
    )
    if retried:
        assert plan.decide(error) == ("retry", 0.0)  # type: ignore[arg-type]
    else:
        with pytest.raises(type(error)):
            plan.decide(error)  # type: ignore[arg-type]


def test_nothing_is_retried_after_the_first_event() -> None:
    plan = StreamPlan(
        mode="auto", api="responses", model="m", base_url="b", policy=RetryPolicy(5, max_delay=0.0)
    )
    plan.delivered = True
    for error in (
        APIConnectionError("x"),
        RateLimitError("x"),
        NotFoundError("route", status_code=404),
    ):
        with pytest.raises(type(error)):
            plan.decide(error)


def test_resume_only_with_a_response_id_and_a_budget() -> None:
    plan = StreamPlan(
        mode="responses",
        api="responses",
        model="m",
        base_url="b",
        policy=RetryPolicy(2, max_delay=0.0),
        resume=True,
    )
    plan.delivered = True
    drop = StreamDisconnectedError("drop")
    with pytest.raises(StreamDisconnectedError):
        plan.decide(drop)  # no response id yet
    assert plan.decide(drop, response_id="resp_1")[0] == "resume"
    assert plan.decide(drop, response_id="resp_1")[0] == "resume"
    with pytest.raises(StreamDisconnectedError):
        plan.decide(drop, response_id="resp_1")  # two resumes without progress
    plan.progressed()
    assert plan.decide(drop, response_id="resp_1")[0] == "resume"
    with pytest.raises(StreamError):
        plan.decide(StreamError("model failed"), response_id="resp_1")  # not a transport fault


def test_deadline_errors_are_final_and_waits_must_fit() -> None:
    plan = StreamPlan(
        mode="responses",
        api="responses",
        model="m",
        base_url="b",
        policy=RetryPolicy(3, max_delay=30),
        deadline=5.0,
    )
    assert plan.remaining() is None  # the clock starts with the first request
    plan.start()
    remaining = plan.remaining()
    assert remaining is not None and 4.0 < remaining <= 5.0
    with pytest.raises(APITimeoutError):
        plan.decide(plan.deadline_error())
    with pytest.raises(RateLimitError):
        plan.decide(RateLimitError("x", retry_after=10))  # longer than the time left
    assert plan.decide(RateLimitError("x", retry_after=0.01)) == ("retry", 0.01)


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
    plan = StreamPlan(
        mode="auto", api="responses", model="m", base_url="b", policy=RetryPolicy(0), routes=routes
    )
    assert plan.decide(NotFoundError("no route", status_code=404)) == ("fallback", 0.0)
    assert plan.api == "chat" and routes.get("b", "m") is None
    with pytest.raises(NotFoundError):
        plan.decide(NotFoundError("no route", status_code=404))  # only once
    plan.succeeded()
    assert routes.get("b", "m") == "chat" and len(routes) == 1
    routes.forget(model="m")
    assert routes.get("b", "m") is None
