"""The drivers: two short trampolines that run an exchange's
:meth:`~.flow.BaseExchange.steps` (as httpx's ``sync_auth_flow`` / ``async_auth_flow`` run
``Auth.auth_flow``): send the request it yields, send back the status and headers, read the
body in the mode it yields (feeding the bytes to the exchange), sleep when it says so, and
throw every failure back into it. Every decision (what to send, how to read it, what a
failure means, whether to retry, resume or fall back, how long to wait) is the exchange's.
The sync and async drivers differ only in the ``await``s and in how the overall
``deadline`` interrupts a wait:

* async: every network wait runs under an ``anyio.fail_after`` scope sized to the time left;
* sync: the timeouts of each request are cut to the time left, and a timer shuts the socket
  down at the deadline, so a stall in the middle of a stream cannot outlive it.

Transport exceptions are translated in one place, :func:`_translated`. Connections: a
stream is read to the end of its body even after the terminal event, so keep-alive
connections go back to the pool; closing a stream early (``break`` then ``close()``,
leaving a ``with`` block, garbage collection, task cancellation) closes the response, and
httpx discards a connection whose body was not fully read.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Iterator
from typing import Any, TypeAlias, cast

import anyio
import httpx

from lemon_adapters.core.errors import LemonDataError
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.http.config import HTTPRequest, TransportFailure
from lemon_adapters.core.http.flow import SNIPPET, BaseExchange, Opened, Send, Sleep, Step
from lemon_adapters.core.http.json_exchange import JSONExchange

#: An exchange's running :meth:`~.flow.BaseExchange.steps`.
Steps: TypeAlias = Generator[Step, Opened | None, None]

__all__ = ["Current", "async_events", "async_json", "sync_events", "sync_json"]


def _send_args(req: HTTPRequest) -> dict[str, Any]:
    t = req.timeouts
    return {
        "json": req.json,
        "params": req.params,
        "headers": req.headers,
        "timeout": httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
    }


@contextlib.contextmanager
def _translated(ex: BaseExchange) -> Iterator[None]:
    """The one place transport exceptions become lemon_adapters errors (httpx's
    ``map_httpcore_exceptions`` pattern); a failure after the answer was whole is dropped."""
    try:
        yield
    except (httpx.TransportError, httpx.DecodingError, TimeoutError) as exc:
        err = ex.transport_error(_kind(exc), f"{type(exc).__name__}: {exc}".rstrip(": "))
        if err is not None:
            raise err from exc


def _kind(exc: Exception) -> TransportFailure:
    if isinstance(exc, TimeoutError):  # a deadline scope (anyio.fail_after) ran out
        return "deadline"
    if isinstance(exc, httpx.TimeoutException):
        return _TIMEOUT_KINDS.get(type(exc), "read_timeout")
    if isinstance(exc, httpx.DecodingError):
        return "decoding"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "dropped"
    return "connection"


_TIMEOUT_KINDS: dict[type[Exception], TransportFailure] = {
    httpx.ConnectTimeout: "connect_timeout",
    httpx.ReadTimeout: "read_timeout",
    httpx.WriteTimeout: "write_timeout",
    httpx.PoolTimeout: "pool_timeout",
}


class Current:
    """The response of the current attempt, for :attr:`ResponseStream.response` (a holder,
    so the driving generator never references the stream object itself)."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: httpx.Response | None = None


def sync_events(
    http: httpx.Client, ex: BaseExchange, current: Current | None = None
) -> Iterator[StreamEvent]:
    """Run ``ex``'s steps: send, read, sleep; every failure goes back into the steps."""
    steps = ex.steps()
    step = next(steps)
    while True:
        try:
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
            else:
                assert isinstance(step, Send)
                yield from _sync_attempt(http, ex, steps, step.request, current)
            step = next(steps)
        except LemonDataError as exc:
            step = steps.throw(exc)
        except StopIteration:
            return


def _sync_attempt(
    http: httpx.Client, ex: BaseExchange, steps: Steps, req: HTTPRequest, current: Current | None
) -> Iterator[StreamEvent]:
    with (
        _translated(ex),
        http.stream(req.method, req.url, **_send_args(req)) as response,
        _Watchdog(ex, response),
    ):
        if current is not None:
            current.response = response
        mode = steps.send((response.status_code, response.headers))
        if mode == "stream":
            for chunk in _body(response):
                yield from ex.feed(chunk)
                ex.check()
            yield from ex.end()
        else:
            yield from ex.read_whole(_read_sync(response, whole=mode == "whole"))
        ex.check()


def _body(response: httpx.Response) -> Iterable[bytes]:
    """The body's bytes as they arrive. Without a content coding they come straight from
    the transport: ``iter_bytes`` passes each chunk through two generators, two chunkers and
    an identity decoder (0.4-0.6 us a chunk, i.e. a token: a tenth to a fifth of what the
    parser costs), ``iter_raw`` through one generator and one chunker (0.2 us). With a
    coding (gzip, br, zstd...) httpx decodes as usual.

    Why this keeps httpx's contract (each point tested in tests/core/http/test_connections.py):
    what ``iter_raw`` does besides yielding is (1) refuse a second read: the flag set here
    makes ``read()``/``iter_*()`` raise ``StreamConsumed`` as after ``iter_raw``; (2) attach
    the request to a ``RequestError`` (``request_context``): no httpx error leaves the
    driver, :func:`_translated` turns each into a typed error chained with ``from``; (3) count
    ``num_bytes_downloaded``: the one thing skipped, documented on ``ResponseStream.response``;
    (4) close the response at the end: the driver's ``with http.stream(...)`` (async:
    ``finally: aclose()``) closes it on every path, as ``iter_raw`` does only on the
    happy one."""
    if not _identity(response):
        return response.iter_bytes()
    response.is_stream_consumed = True
    return cast(httpx.SyncByteStream, response.stream)


def _identity(response: httpx.Response) -> bool:
    coding = response.headers.get("content-encoding")
    return coding is None or coding.strip().lower() in ("", "identity")


def sync_json(http: httpx.Client, ex: JSONExchange) -> Any:
    """Run a JSON exchange; its decoded answer."""
    for _ in sync_events(http, ex):
        pass
    return ex.value


def _read_sync(response: httpx.Response, *, whole: bool) -> bytes:
    if whole:
        return response.read()
    head = b""
    for chunk in response.iter_bytes():
        head += chunk
        if len(head) >= SNIPPET:
            break
    return head


class _Watchdog:
    """Shuts a sync stream's socket down at the deadline, waking a blocked read (the
    exchange then reports the deadline, whatever exception the read ends with)."""

    __slots__ = ("_sock", "_timer")

    def __init__(self, ex: BaseExchange, response: httpx.Response) -> None:
        self._timer: threading.Timer | None = None
        remaining = ex.deadline.remaining()
        if remaining is None:
            return
        stream = response.extensions.get("network_stream")
        self._sock: socket.socket | None = (
            stream.get_extra_info("socket") if stream is not None else None
        )
        self._timer = threading.Timer(remaining, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


async def async_events(
    http: httpx.AsyncClient, ex: BaseExchange, current: Current | None = None
) -> AsyncIterator[StreamEvent]:
    """:func:`sync_events` with ``await``."""
    steps = ex.steps()
    step = next(steps)
    while True:
        try:
            if isinstance(step, Sleep):
                await anyio.sleep(step.seconds)
            else:
                assert isinstance(step, Send)
                attempt = _async_attempt(http, ex, steps, step.request, current)
                # aclosing: an early aclose() of this stream must finalize the attempt now.
                async with contextlib.aclosing(attempt):
                    async for event in attempt:
                        yield event
            step = next(steps)
        except LemonDataError as exc:
            step = steps.throw(exc)
        except StopIteration:
            return


async def _async_attempt(
    http: httpx.AsyncClient,
    ex: BaseExchange,
    steps: Steps,
    req: HTTPRequest,
    current: Current | None,
) -> AsyncGenerator[StreamEvent, None]:
    with _translated(ex):
        with _limit(ex.deadline.remaining()):
            response = await http.send(
                http.build_request(req.method, req.url, **_send_args(req)), stream=True
            )
        if current is not None:
            current.response = response
        try:
            mode = steps.send((response.status_code, response.headers))
            if mode == "stream":
                async for chunk in _chunks(response, ex):
                    for event in ex.feed(chunk):
                        yield event
                    ex.check()
                events = ex.end()
            else:
                with _limit(ex.deadline.remaining()):
                    events = ex.read_whole(await _read_async(response, whole=mode == "whole"))
            for event in events:
                yield event
            ex.check()
        finally:
            await response.aclose()


def _limit(remaining: float | None) -> contextlib.AbstractContextManager[object]:
    """A scope that raises ``TimeoutError`` when the call's deadline passes."""
    return contextlib.nullcontext() if remaining is None else anyio.fail_after(remaining)


def _chunks(response: httpx.Response, ex: BaseExchange) -> AsyncIterator[bytes]:
    """The body's chunks, each wait bounded by the time left before the deadline, if any."""
    if ex.deadline.at is None:
        return _abody(response)
    return _chunks_until(response, ex)


def _abody(response: httpx.Response) -> AsyncIterator[bytes]:
    """:func:`_body` for the async client."""
    if not _identity(response):
        return response.aiter_bytes()
    response.is_stream_consumed = True
    return aiter(cast(httpx.AsyncByteStream, response.stream))


async def _chunks_until(response: httpx.Response, ex: BaseExchange) -> AsyncIterator[bytes]:
    chunks = _abody(response)
    try:
        while True:
            with _limit(ex.deadline.remaining()):
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
            yield chunk
    finally:
        aclose = getattr(chunks, "aclose", None)  # a generator's; any custom stream's own
        if aclose is not None:
            await aclose()


async def async_json(http: httpx.AsyncClient, ex: JSONExchange) -> Any:
    """:func:`sync_json` with ``await``."""
    async for _ in async_events(http, ex):
        pass
    return ex.value


async def _read_async(response: httpx.Response, *, whole: bool) -> bytes:
    if whole:
        return await response.aread()
    head = b""
    async for chunk in response.aiter_bytes():
        head += chunk
        if len(head) >= SNIPPET:
            break
    return head
