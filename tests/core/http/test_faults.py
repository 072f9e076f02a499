"""Every scripted fault, for both APIs, through the sync and the async client.

Each test runs four ways (``driver`` x ``api``). Common checks after every stream: the text
the caller saw delta by delta equals the accumulated (partial) text, so nothing was
delivered twice; a failure's partial text is a prefix of the real answer; and no pool
connection is left active.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from lemon_adapters import (
    APIConnectionError,
    APITimeoutError,
    AsyncLemonDataClient,
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    InsufficientCreditsError,
    InternalServerError,
    LemonDataClient,
    MalformedStreamError,
    NotFoundError,
    RateLimitError,
    StreamDisconnectedError,
    StreamError,
    UnprocessableEntityError,
)
from lemon_adapters.core.errors import DEADLINE_CODE

from .drivers import KEY, MESSAGES, Driver, Outcome
from .server import TEXT, FaultServer, Step, frames, lemon_error, text_frames

HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def check_ok(o: Outcome) -> None:
    assert o.error is None, repr(o.error)
    assert o.text == TEXT
    assert o.result.text == TEXT
    assert o.result.finish_reason == "stop"
    assert o.result.usage is not None
    assert o.active == 0


def check_partial(o: Outcome, kind: type[Exception], *, output: bool = True) -> None:
    """A typed failure whose partial result is what the caller saw, a prefix of the answer."""
    assert isinstance(o.error, kind), repr(o.error)
    assert o.error.partial is not None
    assert o.partial_text == o.text
    assert TEXT.startswith(o.partial_text)
    assert o.error.output_received is output
    if output:
        assert o.partial_text and o.partial_text != TEXT
    assert KEY not in str(o.error) and KEY not in repr(o.error)
    assert o.active == 0


def mid(api: str, n: int = 3, extra: int = 5) -> tuple[int, int]:
    """A cut ``extra`` bytes into the frame of the ``n``-th text delta (n deltas delivered)."""
    return (text_frames(api, Step())[n], extra)


# -- healthy --------------------------------------------------------------------------------


def test_healthy_stream(driver: Driver, api: str, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, Step())
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_ok(o)
    assert o.api == api and o.result.api == api and o.attempts == 0
    assert len(fault_server.requests_for(model)) == 1


def test_slow_but_healthy_stream(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    """Many small chunks with pauses shorter than the idle timeout: the stream succeeds
    although it lasts much longer than the idle timeout."""
    step = Step(split=40, pause=0.003)
    fault_server.script(model, step)
    idle = 0.15
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=api,
        client={"timeout": httpx.Timeout(idle, connect=2.0)},
    )
    check_ok(o)
    chunks = len(b"".join(frames(api, step))) // step.split
    assert chunks > 100
    assert chunks * step.pause > idle  # the pauses alone add up to more than the idle timeout


# -- retries before the first event -----------------------------------------------------------


def _http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_status_then_success(
    driver: Driver, api: str, fault_server: FaultServer, model: str, status: int
) -> None:
    fault_server.script(
        model, lemon_error(status, retryable=None, headers={"Retry-After": "0"}), Step()
    )
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_ok(o)
    assert o.attempts == 1
    assert len(fault_server.requests_for(model)) == 2


@pytest.mark.parametrize(
    ("headers", "body_retry_after", "expected"),
    [
        ({"Retry-After": "0.2"}, None, 0.2),
        ({"Retry-After": "7"}, None, 0.5),  # capped by max_retry_delay
        ({}, 0.3, 0.3),  # LemonData's body field
        ({"Retry-After": "0.1"}, 9, 0.1),  # the header wins over the body
        ({"retry-after-ms": "150"}, None, 0.15),
    ],
)
def test_retry_after_is_honoured(
    driver: Driver,
    api: str,
    fault_server: FaultServer,
    model: str,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    body_retry_after: float | None,
    expected: float,
) -> None:
    fault_server.script(
        model, lemon_error(429, headers=headers, retry_after=body_retry_after), Step()
    )
    with caplog.at_level(logging.INFO, logger="lemon_adapters"):
        o = driver.run(fault_server.base_url, model=model, api=api, client={"max_retry_delay": 0.5})
    check_ok(o)
    waits = [r.args[1] for r in caplog.records if r.name == "lemon_adapters"]
    assert waits == [pytest.approx(expected)]


def test_retry_after_http_date(
    driver: Driver,
    api: str,
    fault_server: FaultServer,
    model: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault_server.script(model, lemon_error(503, headers={"Retry-After": _http_date(30)}), Step())
    with caplog.at_level(logging.INFO, logger="lemon_adapters"):
        o = driver.run(
            fault_server.base_url, model=model, api=api, client={"max_retry_delay": 0.05}
        )
    check_ok(o)
    waits = [r.args[1] for r in caplog.records if r.name == "lemon_adapters"]
    assert waits == [pytest.approx(0.05)]  # 30 s from the date, capped


def test_body_retryable_true_overrides_status(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, lemon_error(422, message="busy, try again", retryable=True), Step())
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_ok(o)
    assert len(fault_server.requests_for(model)) == 2


def test_body_retryable_false_overrides_status(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, lemon_error(503, retryable=False, message="model retired"))
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, InternalServerError)
    assert o.error.retryable is False
    assert len(fault_server.requests_for(model)) == 1


def test_retries_exhausted(driver: Driver, api: str, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, lemon_error(429, headers={"Retry-After": "0"}))
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, RateLimitError)
    assert o.error.retryable and o.error.retry_after == 0
    assert o.error.code == "rate_limit_exceeded"
    assert len(fault_server.requests_for(model)) == 3  # max_retries=2
    assert o.active == 0


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, InsufficientCreditsError),
        (404, NotFoundError),
    ],
)
def test_non_retryable_errors_raise_at_once_with_hints(
    driver: Driver,
    api: str,
    fault_server: FaultServer,
    model: str,
    status: int,
    kind: type[Exception],
) -> None:
    step = lemon_error(status)
    fault_server.script(model, step)
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, kind), repr(o.error)
    err, body = o.error, step.error
    assert body is not None
    assert err.status_code == status
    assert (err.message, err.type, err.code) == (body["message"], body["type"], body["code"])
    assert err.param == body.get("param")
    assert err.hint == body.get("hint")
    assert err.did_you_mean == body.get("did_you_mean")
    raw = body.get("suggestions")
    assert err.suggestions_raw == raw
    assert err.suggestions == (None if raw is None else [s["id"] for s in raw])
    assert err.retryable is False
    assert len(fault_server.requests_for(model)) == 1
    if body.get("did_you_mean"):
        assert f"Did you mean {body['did_you_mean']!r}?" in str(err)
    assert o.active == 0


def test_connection_refused_is_retried_then_raised(driver: Driver, api: str) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    o = driver.run(f"http://127.0.0.1:{port}/v1", model="m", api=api)
    assert isinstance(o.error, APIConnectionError)
    assert o.attempts == 2


@pytest.mark.parametrize("cut", [0, (0, 9)], ids=["headers-only", "half-a-frame"])
def test_drop_before_first_event_is_retried(
    driver: Driver, api: str, fault_server: FaultServer, model: str, cut: int | tuple[int, int]
) -> None:
    fault_server.script(model, Step(drop_after=cut), Step())
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_ok(o)
    assert len(fault_server.requests_for(model)) == 2


def test_stall_before_first_event_is_retried(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(stall_after=0), Step())
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=api,
        client={"timeout": httpx.Timeout(0.2, connect=2.0)},
    )
    check_ok(o)
    assert len(fault_server.requests_for(model)) == 2


def test_retryable_in_stream_error_before_any_event_is_retried(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    error = {
        "message": "overloaded",
        "type": "server_error",
        "code": "overloaded",
        "retryable": True,
    }
    fault_server.script(model, Step(stream_error=(0, error)), Step())
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_ok(o)
    assert len(fault_server.requests_for(model)) == 2


# -- after the first event: never retried ------------------------------------------------------


def test_drop_mid_stream(driver: Driver, api: str, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, Step(drop_after=mid(api)))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, StreamDisconnectedError)
    assert len(fault_server.requests_for(model)) == 1  # no token is delivered twice


def test_stall_mid_stream_times_out(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(stall_after=mid(api)))
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=api,
        client={"timeout": httpx.Timeout(0.2, connect=2.0)},
    )
    check_partial(o, APITimeoutError)
    assert o.error is not None and o.error.code != DEADLINE_CODE
    assert "ReadTimeout" in str(o.error)
    assert len(fault_server.requests_for(model)) == 1


def test_stream_without_terminal_event(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(truncate=True))
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, IncompleteStreamError)
    assert o.error.partial is not None and o.error.partial.text == TEXT == o.text
    assert o.error.partial.finish_reason is None
    assert o.error.output_received
    assert len(fault_server.requests_for(model)) == 1
    assert o.active == 0


def test_in_stream_error_event(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    error = {
        "message": "the upstream model crashed",
        "type": "server_error",
        "code": "upstream_error",
        "hint": "retry in a moment",
    }
    fault_server.script(model, Step(stream_error=(mid(api)[0], error)))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, StreamError)
    assert o.error is not None
    assert (o.error.message, o.error.code, o.error.hint) == (
        "the upstream model crashed",
        "upstream_error",
        "retry in a moment",
    )


class _ErrorThenHold(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent as the given chunks, which must not be read past its last one."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        raise AssertionError("the client read past an in-stream error frame")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        raise AssertionError("the client read past an in-stream error frame")


@pytest.mark.parametrize("api", ["responses", "chat"])
async def test_in_stream_error_alone_in_a_chunk_raises_without_reading_on(api: str) -> None:
    """An error frame must end the stream at once: a server may hold the connection open
    after it, and waiting for more bytes would turn the real error into a timeout."""
    if api == "responses":
        chunks = [
            b'data: {"type":"response.created","response":{"id":"r1","model":"m"}}\n\n'
            b'data: {"type":"response.output_text.delta","item_id":"i","delta":"Hi"}\n\n',
            b'event: error\ndata: {"type":"error","code":"boom","message":"crashed"}\n\n',
        ]
    else:
        chunks = [
            b'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n',
            b'data: {"error":{"code":"boom","message":"crashed"}}\n\n',
        ]

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, stream=_ErrorThenHold(chunks))

    options: dict[str, Any] = {"api_key": KEY, "base_url": "http://test/v1", "max_retries": 0}
    with (
        LemonDataClient(
            http_client=httpx.Client(transport=httpx.MockTransport(handler)), **options
        ) as client,
        pytest.raises(StreamError) as sync_error,
    ):
        client.stream(model="m", messages=MESSAGES, api=api).until_done()
    assert sync_error.value.code == "boom"
    assert sync_error.value.partial is not None and sync_error.value.partial.text == "Hi"
    transport = httpx.MockTransport(handler)
    async with AsyncLemonDataClient(
        http_client=httpx.AsyncClient(transport=transport), **options
    ) as aclient:
        with pytest.raises(StreamError) as async_error:
            await aclient.stream(model="m", messages=MESSAGES, api=api).until_done()
    assert async_error.value.code == "boom"
    assert async_error.value.partial is not None and async_error.value.partial.text == "Hi"


# -- bad input ----------------------------------------------------------------------------------


def test_html_page_with_200(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(raw=HTML, content_type="text/html; charset=utf-8"))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, MalformedStreamError, output=False)
    assert "HTML page" in str(o.error) and "text/html" in str(o.error)
    assert "502 Bad Gateway" in str(o.error)
    assert len(fault_server.requests_for(model)) == 1


def test_html_page_with_502(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(status=502, raw=HTML))
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, InternalServerError)
    assert o.error.status_code == 502
    assert "HTML page" in str(o.error) and "502 Bad Gateway" in str(o.error)
    assert len(fault_server.requests_for(model)) == 3  # 502 is retryable
    assert o.active == 0


def test_invalid_json_in_a_data_line(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    bad = b'data: {"type": "response.output_text.delta", "delta": "x"\n\n'
    fault_server.script(model, Step(inject=(mid(api)[0], bad)))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, MalformedStreamError)
    assert "invalid JSON" in str(o.error)


def test_invalid_utf8(driver: Driver, api: str, fault_server: FaultServer, model: str) -> None:
    bad = b'data: {"type": "response.output_text.delta", "delta": "\xff\xfe"}\n\n'
    fault_server.script(model, Step(inject=(mid(api)[0], bad)))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, MalformedStreamError)
    assert "UTF-8" in str(o.error)


def test_unexpected_content_type(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(content_type="text/plain"))
    o = driver.run(fault_server.base_url, model=model, api=api)
    check_partial(o, MalformedStreamError, output=False)
    assert "text/plain" in str(o.error) and "unexpected content type" in str(o.error)
    assert len(fault_server.requests_for(model)) == 1


# -- deadlines ------------------------------------------------------------------------------------


def test_deadline_on_a_slow_stream(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    """Every chunk arrives within the idle timeout, but the whole stream is too slow."""
    fault_server.script(model, Step(split=64, pause=0.02))
    o = driver.run(fault_server.base_url, model=model, api=api, deadline=0.8)
    check_partial(o, APITimeoutError)
    assert o.error is not None and o.error.code == DEADLINE_CODE


def test_deadline_cuts_a_stall_shorter_than_the_idle_timeout(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    """A mid-stream stall is cut at the deadline although the idle timeout is much longer
    (sync: the watchdog wakes the blocked read; async: the cancel scope)."""
    fault_server.script(model, Step(stall_after=mid(api)))
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=api,
        deadline=0.3,
        client={"timeout": httpx.Timeout(20.0, connect=2.0)},
    )
    check_partial(o, APITimeoutError)
    assert o.error is not None and o.error.code == DEADLINE_CODE
    assert len(fault_server.requests_for(model)) == 1


def test_deadline_is_not_spent_on_backoff(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    """A Retry-After longer than the time left raises the error instead of sleeping."""
    fault_server.script(model, lemon_error(429, headers={"Retry-After": "5"}), Step())
    o = driver.run(
        fault_server.base_url, model=model, api=api, deadline=1.0, client={"max_retry_delay": 10}
    )
    assert isinstance(o.error, RateLimitError)
    assert len(fault_server.requests_for(model)) == 1


# -- connections ----------------------------------------------------------------------------------


def test_early_exit_releases_the_connection(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step())
    o = driver.run(fault_server.base_url, model=model, api=api, stop_after=3)
    assert o.error is None and len(o.events) == 3
    assert o.active == 0


def test_keep_alive_is_reused_across_streams(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step())
    outcomes = driver.run_many(fault_server.base_url, 5, model=model, api=api)
    for o in outcomes:
        check_ok(o)
    conns = {r["conn"] for r in fault_server.requests_for(model)}
    assert len(fault_server.requests_for(model)) == 5
    assert len(conns) == 1  # the body is read to its end, so the connection goes back


def test_failed_attempts_do_not_leak(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step(drop_after=0), lemon_error(503), Step(stall_after=0), Step())
    o = driver.run(
        fault_server.base_url,
        model=model,
        api=api,
        client={"max_retries": 3, "timeout": httpx.Timeout(0.2, connect=2.0)},
    )
    check_ok(o)
    assert o.attempts == 3


# -- non-streaming ------------------------------------------------------------------------------


def test_create_retries_then_succeeds(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, lemon_error(503), lemon_error(429), Step())
    result = driver.create(fault_server.base_url, model=model, api=api)
    assert result.text == TEXT and result.finish_reason == "stop"
    assert len(fault_server.requests_for(model)) == 3


def test_create_gives_up(driver: Driver, api: str, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, lemon_error(503))
    with pytest.raises(InternalServerError):
        driver.create(fault_server.base_url, model=model, api=api)
    assert len(fault_server.requests_for(model)) == 3


def test_unprocessable_is_not_retried(
    driver: Driver, api: str, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, lemon_error(422, message="bad schema", retryable=None))
    o = driver.run(fault_server.base_url, model=model, api=api)
    assert isinstance(o.error, UnprocessableEntityError)
    assert len(fault_server.requests_for(model)) == 1


@pytest.mark.parametrize("fault", ["drop", "stall"])
def test_trouble_after_the_terminal_event_is_harmless(
    driver: Driver, api: str, fault_server: FaultServer, model: str, fault: str
) -> None:
    """The whole answer arrived; the body then never ends cleanly. The answer stands, and the
    broken connection is not reused."""
    end = len(b"".join(frames(api, Step(), model)))
    fault_server.script(model, Step(**{f"{fault}_after": end}), Step())  # type: ignore[arg-type]
    first, second = driver.run_many(
        fault_server.base_url,
        2,
        model=model,
        api=api,
        client={"timeout": httpx.Timeout(0.2, connect=2.0)},
    )
    check_ok(first)
    check_ok(second)
    assert len({r["conn"] for r in fault_server.requests_for(model)}) == 2


def test_deadline_clock_starts_with_the_first_request(
    fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step())
    with LemonDataClient(api_key=KEY, base_url=fault_server.base_url, deadline=0.3) as client:
        stream = client.stream(model=model, messages=MESSAGES)
        time.sleep(0.4)  # longer than the deadline, but nothing was sent yet
        with stream:
            assert stream.until_done().text == TEXT
