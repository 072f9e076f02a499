"""Pools that belong to one event loop and one process, against a real local server:
200 sequential ``asyncio.run`` calls on one model leave file descriptors and RSS flat;
a client used before ``os.fork()`` and then by parent and child at the same time never
shares a socket (each gets its own answer); a pickled ``ChatLemonData`` streams in
``ProcessPoolExecutor`` workers under the fork and spawn start methods."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import multiprocessing
import os
import pickle
import warnings
from typing import Any

import pytest

from lemon_adapters import LemonDataClient
from lemon_adapters.core.http.pools import Clients

from .drivers import KEY, MESSAGES
from .server import FaultServer, Step
from .workers import stream_text

LOOPS = 200


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def flat_over_loops(call: Any) -> tuple[int, float]:
    """Growth of fds and RSS (MB) over :data:`LOOPS` ``asyncio.run(call())``."""
    for _ in range(5):  # warm up: imports, caches, the first pools
        asyncio.run(call())
    gc.collect()
    fds, rss = open_fds(), rss_mb()
    for _ in range(LOOPS):
        asyncio.run(call())
    gc.collect()
    return open_fds() - fds, rss_mb() - rss


pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


def test_200_event_loops_leave_fds_and_rss_flat_chat_lemondata(
    fault_server: FaultServer, model: str
) -> None:
    from lemon_adapters.langchain import ChatLemonData

    llm = ChatLemonData(model=model, api="chat", api_key=KEY, base_url=fault_server.base_url)
    fds, rss = flat_over_loops(lambda: llm.ainvoke("x"))
    # Before: +200 sockets and +169 MB (0.85 MB a loop); each loop's pool now ends with it.
    assert fds <= 2, f"{fds} more fds after {LOOPS} loops"
    assert rss < 25, f"RSS grew {rss:.1f} MB over {LOOPS} loops"
    assert len(llm.clients._async) == 0  # no entry outlives its loop


def test_200_event_loops_leave_fds_and_rss_flat_llama_index(
    fault_server: FaultServer, model: str
) -> None:
    from llama_index.core.llms import ChatMessage

    from lemon_adapters.llama_index import LemonData

    llm = LemonData(model=model, api="chat", api_key=KEY, base_url=fault_server.base_url)
    messages = [ChatMessage(role="user", content="x")]
    fds, rss = flat_over_loops(lambda: llm.achat(messages))
    assert fds <= 2, f"{fds} more fds after {LOOPS} loops"
    assert rss < 25, f"RSS grew {rss:.1f} MB over {LOOPS} loops"


def test_a_pool_is_closed_at_its_loop_shutdown_and_reopens_in_the_next(
    fault_server: FaultServer, model: str
) -> None:
    clients = Clients(api_key=KEY, base_url=fault_server.base_url, max_retries=0)
    seen: list[Any] = []

    async def call() -> str:
        client = clients.async_
        assert clients.async_ is client  # one client per loop
        seen.append(client)
        result = await client.create(model=model, messages=MESSAGES, api="chat")
        return result.text

    assert asyncio.run(call()) == asyncio.run(call())
    first, second = seen
    assert first is not second
    assert first.http_client.is_closed and second.http_client.is_closed
    assert not clients._async


# -- processes -----------------------------------------------------------------------------


def _fork() -> int:
    with warnings.catch_warnings():  # 3.12+: fork in a threaded process is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _concurrent_rounds(fault_server: FaultServer, ask: Any, rounds: int, tag: str) -> None:
    """``rounds`` times: fork after ``ask`` pooled a connection, then parent and child ask
    at the same time, each for its own answer (``ask(model) -> text``), on one object."""
    for side in ("parent", "child"):
        for i in range(rounds):
            fault_server.script(f"{tag}-{side}-{i}", Step(text=f"{side} answer {i} " * 20))
    ask(f"{tag}-parent-0")  # a pooled socket to inherit
    for i in range(rounds):
        go_r, go_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = _fork()
        if pid == 0:  # the child: wait for the start, ask, report, leave
            code = 1
            try:
                os.read(go_r, 1)
                os.write(out_w, json.dumps(ask(f"{tag}-child-{i}")).encode())
                code = 0
            finally:
                os._exit(code)
        os.write(go_w, b"x")  # both start now
        assert ask(f"{tag}-parent-{i}") == f"parent answer {i} " * 20
        os.close(out_w)
        with os.fdopen(out_r) as out:
            theirs = json.loads(out.read() or "null")
        _, status = os.waitpid(pid, 0)
        assert status == 0 and theirs == f"child answer {i} " * 20, (i, theirs)
        os.close(go_r)
        os.close(go_w)


def test_a_client_used_before_fork_never_shares_sockets(
    fault_server: FaultServer, model: str
) -> None:
    """20 rounds on one LemonDataClient (before the fix: each other's answers, or
    ``illegal status line``)."""
    client = LemonDataClient(api_key=KEY, base_url=fault_server.base_url, max_retries=0)

    def ask(name: str) -> str:
        return client.stream(model=name, messages=MESSAGES, api="chat").until_done().text

    _concurrent_rounds(fault_server, ask, 20, model)
    client.close()


def test_a_model_built_at_import_time_is_safe_in_prefork_workers(
    fault_server: FaultServer, model: str
) -> None:
    """What gunicorn or Celery prefork do: a ChatLemonData used in the parent, then by
    forked workers and the parent at the same time."""
    from lemon_adapters.langchain import ChatLemonData

    llm = ChatLemonData(model="x", api="chat", api_key=KEY, base_url=fault_server.base_url)

    def ask(name: str) -> str:
        return str(llm.bind(model=name).invoke("hi").content)

    _concurrent_rounds(fault_server, ask, 5, model)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pickled_chat_lemondata_streams_in_process_pool_workers(
    method: str, fault_server: FaultServer
) -> None:
    from lemon_adapters.langchain import ChatLemonData

    llms = []
    for i in range(4):
        name = f"pool-{method}-{i}"
        fault_server.script(name, Step(text=f"worker answer {i}"))
        llm = ChatLemonData(model=name, api="chat", api_key=KEY, base_url=fault_server.base_url)
        llm.invoke("warm")  # a pool is open in the parent: it must not travel
        assert b"httpx" not in pickle.dumps(llm)
        llms.append(llm)
    context = multiprocessing.get_context(method)
    with (
        warnings.catch_warnings(),
        concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool,
    ):
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        answers = list(pool.map(stream_text, llms))
    assert [text for _, text in answers] == [f"worker answer {i}" for i in range(4)]
    assert os.getpid() not in {pid for pid, _ in answers}


def test_an_injected_http_client_refuses_to_pickle() -> None:
    import httpx

    with httpx.Client() as http:
        clients = Clients(http_client=http, api_key=KEY)
        with pytest.raises(TypeError, match="injected http_client"):
            pickle.dumps(clients)


def test_pools_share_one_tls_context_per_alpn_setting() -> None:
    """Building httpx's default TLS context costs about 60 ms; every pool (one per event
    loop) reuses the process's one, per http2 setting (httpcore sets ALPN on it)."""
    from lemon_adapters import AsyncLemonDataClient

    a, b = LemonDataClient(api_key=KEY), AsyncLemonDataClient(api_key=KEY)
    ssl_of = [c.http_client._transport._pool._ssl_context for c in (a, b)]  # type: ignore[union-attr]
    assert ssl_of[0] is ssl_of[1]
    assert ssl_of[0].verify_mode.name == "CERT_REQUIRED" and ssl_of[0].check_hostname
    a.close()


def test_nothing_is_left_to_close_at_exit(fault_server: FaultServer, model: str) -> None:
    """A script that runs calls under ``asyncio.run`` and exits: no "Event loop is closed",
    no unclosed socket or transport, in development mode (every ResourceWarning shown)."""
    import subprocess
    import sys
    from pathlib import Path

    script = f"""
import asyncio
from lemon_adapters.langchain import ChatLemonData
llm = ChatLemonData(
    model={model!r}, api="chat", api_key={KEY!r}, base_url={fault_server.base_url!r}
)
for _ in range(3):
    asyncio.run(llm.ainvoke("x"))
async def stream():
    async for _ in llm.astream("x"):
        break  # a stream left early, in the last loop
asyncio.run(stream())
print("done")
"""
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "always", "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr
    for noise in ("Event loop is closed", "ResourceWarning", "Exception ignored", "Traceback"):
        assert noise not in run.stderr, run.stderr
