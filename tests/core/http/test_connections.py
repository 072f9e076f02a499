"""Cancellation and abandonment close connections promptly; nothing leaks, sync or async."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest

from lemon_adapters import (
    AsyncLemonDataClient,
    LemonDataClient,
    MalformedResponseError,
    MalformedStreamError,
    StreamDisconnectedError,
    TextDelta,
)

from .drivers import KEY, MESSAGES, active_connections
from .server import FaultServer, Step, text_frames

STALL = httpx.Timeout(30.0, connect=2.0)  # long idle timeout: only cancellation can end it


def _stalled(server: FaultServer, model: str, api: str) -> None:
    server.script(model, Step(stall_after=(text_frames(api, Step())[2], 3)))


async def _stream_until_stalled(
    client: AsyncLemonDataClient, model: str, api: str, started: asyncio.Event
) -> None:
    async with client.stream(model=model, messages=MESSAGES, api=api) as s:
        async for event in s:
            if isinstance(event, TextDelta):
                started.set()


@pytest.mark.parametrize("how", ["cancel", "wait_for"])
async def test_cancelling_an_async_stream_closes_its_connection(
    fault_server: FaultServer, model: str, api: str, how: str
) -> None:
    _stalled(fault_server, model, api)
    async with AsyncLemonDataClient(
        api_key=KEY, base_url=fault_server.base_url, timeout=STALL
    ) as client:
        started = asyncio.Event()
        task = asyncio.ensure_future(_stream_until_stalled(client, model, api, started))
        await started.wait()
        assert active_connections(client.http_client) == 1
        if how == "cancel":
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            # asyncio's own class: the builtin TimeoutError from Python 3.11 on, a class of
            # its own on 3.10.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(task, 0.2)
        assert active_connections(client.http_client) == 0
        # the server sees the hang-up while the client (and its pool) is still open
        assert not await asyncio.to_thread(fault_server.wait_closed, model)


def test_abandoned_sync_stream_is_closed_by_gc(
    fault_server: FaultServer, model: str, api: str
) -> None:
    _stalled(fault_server, model, api)
    with LemonDataClient(api_key=KEY, base_url=fault_server.base_url, timeout=STALL) as client:
        stream = client.stream(model=model, messages=MESSAGES, api=api)
        for event in stream:
            if isinstance(event, TextDelta):
                break
        assert active_connections(client.http_client) == 1
        del stream, event
        gc.collect()
        assert active_connections(client.http_client) == 0
        assert not fault_server.wait_closed(model)


def test_dropping_a_sync_stream_closes_it_without_the_cycle_collector(
    fault_server: FaultServer, model: str, api: str
) -> None:
    """`for event in client.stream(...): break` must not hold the connection until a GC pass."""
    _stalled(fault_server, model, api)
    with LemonDataClient(api_key=KEY, base_url=fault_server.base_url, timeout=STALL) as client:
        gc.disable()
        try:
            for event in client.stream(model=model, messages=MESSAGES, api=api):
                if isinstance(event, TextDelta):
                    break
            del event
            assert active_connections(client.http_client) == 0
        finally:
            gc.enable()
        assert not fault_server.wait_closed(model)


def test_closing_a_sync_stream_mid_way(fault_server: FaultServer, model: str, api: str) -> None:
    _stalled(fault_server, model, api)
    with LemonDataClient(api_key=KEY, base_url=fault_server.base_url, timeout=STALL) as client:
        stream = client.stream(model=model, messages=MESSAGES, api=api)
        next(e for e in stream if isinstance(e, TextDelta))
        stream.close()
        assert active_connections(client.http_client) == 0
        assert not fault_server.wait_closed(model)
        # the client is still usable afterwards
        fault_server.script(model, Step())
        with client.stream(model=model, messages=MESSAGES, api=api) as again:
            assert again.until_done().finish_reason == "stop"


async def test_many_cancelled_streams_leave_nothing_behind(
    fault_server: FaultServer, model: str, api: str
) -> None:
    _stalled(fault_server, model, api)
    async with AsyncLemonDataClient(
        api_key=KEY, base_url=fault_server.base_url, timeout=STALL
    ) as client:
        events = [asyncio.Event() for _ in range(20)]
        tasks = [
            asyncio.ensure_future(_stream_until_stalled(client, model, api, e)) for e in events
        ]
        await asyncio.gather(*(e.wait() for e in events))
        assert active_connections(client.http_client) == 20
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert active_connections(client.http_client) == 0
        pool = client.http_client._transport._pool  # type: ignore[attr-defined]
        assert not pool._requests
        assert not await asyncio.to_thread(fault_server.wait_closed, model)


# -- the driver reads the transport directly: httpx's contract still holds -------------------


def test_a_stream_read_by_the_driver_keeps_httpx_response_contract(
    fault_server: FaultServer, model: str, api: str
) -> None:
    """What ``iter_raw`` would do, checked on the response the driver read: a second read
    raises ``StreamConsumed`` (mid-stream too), the response is closed at the end and the
    connection goes back to the pool; a transport failure leaves as a typed error chained
    to httpx's exception."""
    fault_server.script(model, Step())
    with LemonDataClient(api_key=KEY, base_url=fault_server.base_url) as client:
        s = client.stream(model=model, messages=MESSAGES, api=api)
        next(iter(s))
        assert s.response is not None and s.response.is_stream_consumed
        with pytest.raises(httpx.StreamConsumed):
            s.response.read()
        s.until_done()
        assert s.response.is_closed and active_connections(client.http_client) == 0
        fault_server.script(f"{model}-drop", Step(drop_after=(text_frames(api, Step())[2], 3)))
        with pytest.raises(StreamDisconnectedError) as info:
            client.stream(model=f"{model}-drop", messages=MESSAGES, api=api).until_done()
        assert isinstance(info.value.__cause__, httpx.TransportError)


async def test_an_async_stream_read_by_the_driver_keeps_httpx_response_contract(
    fault_server: FaultServer, model: str, api: str
) -> None:
    fault_server.script(model, Step())
    async with AsyncLemonDataClient(api_key=KEY, base_url=fault_server.base_url) as client:
        s = client.stream(model=model, messages=MESSAGES, api=api)
        await s.__anext__()
        assert s.response is not None and s.response.is_stream_consumed
        with pytest.raises(httpx.StreamConsumed):
            await s.response.aread()
        await s.until_done()
        assert s.response.is_closed and active_connections(client.http_client) == 0


def test_a_json_call_answered_with_something_else_names_the_call(
    fault_server: FaultServer,
) -> None:
    """GET /models answered with an event stream: a MalformedResponseError (still a
    MalformedStreamError) naming the call, not a message about event streams."""
    with (
        LemonDataClient(api_key=KEY, base_url=fault_server.base_url) as client,
        pytest.raises(MalformedResponseError) as info,
    ):
        client.models()
    assert isinstance(info.value, MalformedStreamError)
    assert "GET /models is not valid JSON (text/event-stream" in str(info.value)
    assert "instead of an event stream" not in str(info.value)
