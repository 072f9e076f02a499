"""Soak: 1,000 concurrent streams on asyncio with seeded random faults in about 10% of them.

For every stream: either it completed with exactly the expected text (faults before the
first event are retried transparently), or it raised a typed :class:`LemonDataError` whose
partial text is a prefix of the expected text and equals what the caller saw delta by delta.
Zero silent truncations, zero duplicated tokens, zero leaked connections. Run with ``-s``
to see the summary line.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, replace

import httpx
import pytest

from lemon_adapters import (
    APITimeoutError,
    AsyncLemonDataClient,
    IncompleteStreamError,
    LemonDataError,
    MalformedStreamError,
    StreamDisconnectedError,
    StreamError,
    TextDelta,
)
from tests.core.http.drivers import KEY, MESSAGES, active_connections
from tests.core.http.server import FaultServer, Step, frames, lemon_error, text_frames

pytestmark = pytest.mark.slow

SEED = 20261121
STREAMS = 1000
CONCURRENCY = 50
FAULT_RATE = 0.10
IDLE = 3.0  # idle read timeout: the stall faults wait this long; a healthy stream starved of
# CPU by 50 concurrent streams on 2 busy cores must never get near it (1.0 s flaked once)
WORDS = [
    "lemon",
    "citrus",
    "zest",
    "juice",
    "peel",
    "acid",
    "sour",
    "bright",
    "yellow",
    "grove",
    "tree",
    "blossom",
    "Zitrone",
    "citron",
    "limón",
    "レモン",
    "лимон",
    "柠檬",
    "🍋",
    "tart",
    "squeeze",
    "pith",
    "seed",
    "rind",
]

#: fault -> the outcome it must have (None: completes, because it is retried before output)
FAULTS: dict[str, type[LemonDataError] | None] = {
    "drop-before-first-event": None,
    "stall-before-first-event": None,
    "429-then-ok": None,
    "503-then-ok": None,
    "drop-mid-stream": StreamDisconnectedError,
    "stall-mid-stream": APITimeoutError,
    "in-stream-error": StreamError,
    "invalid-json": MalformedStreamError,
    "invalid-utf8": MalformedStreamError,
    "no-terminal-event": IncompleteStreamError,
}


@dataclass
class Plan:
    model: str
    api: str
    text: str
    fault: str | None


def _plan(rng: random.Random, i: int, server: FaultServer) -> Plan:
    api = rng.choice(["responses", "chat"])
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
    step = Step(text=text, chunk_chars=rng.randint(2, 12), split=rng.choice([None, None, 13, 61]))
    model = f"soak-{i}"
    fault = rng.choice(list(FAULTS)) if rng.random() < FAULT_RATE else None
    deltas = text_frames(api, step)
    at = rng.randint(1, len(deltas) - 1)
    cut = (deltas[at], rng.randint(1, len(frames(api, step)[deltas[at]]) - 1))
    steps: list[Step]
    if fault is None:
        steps = [step]
    elif fault == "drop-before-first-event":
        steps = [replace(step, drop_after=rng.choice([0, (0, 5)])), step]
    elif fault == "stall-before-first-event":
        steps = [replace(step, stall_after=0), step]
    elif fault in ("429-then-ok", "503-then-ok"):
        steps = [lemon_error(int(fault[:3]), headers={"Retry-After": "0"}), step]
    elif fault == "drop-mid-stream":
        steps = [replace(step, drop_after=cut)]
    elif fault == "stall-mid-stream":
        steps = [replace(step, stall_after=cut)]
    elif fault == "in-stream-error":
        error = {"message": "upstream failed", "code": "upstream_error"}
        steps = [replace(step, stream_error=(deltas[at], error))]
    elif fault == "invalid-json":
        steps = [replace(step, inject=(deltas[at], b'data: {"delta": "x\n\n'))]
    elif fault == "invalid-utf8":
        steps = [replace(step, inject=(deltas[at], b'data: {"delta": "\xc3\x28"}\n\n'))]
    else:
        steps = [replace(step, truncate=True)]
    server.script(model, *steps)
    return Plan(model, api, text, fault)


async def _run(
    client: AsyncLemonDataClient, plan: Plan, gate: asyncio.Semaphore
) -> tuple[str, LemonDataError | None, int]:
    seen: list[str] = []
    error: LemonDataError | None = None
    async with gate:
        stream = client.stream(model=plan.model, messages=MESSAGES, api=plan.api)
        try:
            async with stream:
                async for event in stream:
                    if isinstance(event, TextDelta):
                        seen.append(event.text)
        except LemonDataError as exc:
            error = exc
    text = "".join(seen)
    result_text = error.partial.text if error is not None and error.partial else ""
    if error is None:
        result_text = stream.result.text
    assert text == result_text, (plan, "the caller saw something else than the result")
    return text, error, stream.attempts


async def test_soak() -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    with FaultServer() as server:
        plans = [_plan(rng, i, server) for i in range(STREAMS)]
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(IDLE, connect=10.0, pool=60.0),
            limits=httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY),
        )
        client = AsyncLemonDataClient(
            api_key=KEY,
            base_url=server.base_url,
            http_client=http,
            max_retries=2,
            max_retry_delay=0.01,
        )
        gate = asyncio.Semaphore(CONCURRENCY)
        outcomes = await asyncio.gather(*(_run(client, p, gate) for p in plans))
        leaked = active_connections(http)
        queued = len(http._transport._pool._requests)  # type: ignore[attr-defined]
        await http.aclose()
        still_open = await asyncio.to_thread(server.wait_until_idle)
        connections = server.stats.connections_opened
        requests = len(server.stats.requests)
    elapsed = time.perf_counter() - started

    results: Counter[str] = Counter()
    injected: Counter[str] = Counter()
    retried = 0
    for plan, (text, error, attempts) in zip(plans, outcomes, strict=True):
        retried += attempts > 0
        if plan.fault:
            injected[plan.fault] += 1
        expected = FAULTS.get(plan.fault) if plan.fault else None
        if error is None:
            assert text == plan.text, (plan, "silent truncation or duplicated tokens")
            assert expected is None, (plan, "a fault went unnoticed")
            results["completed"] += 1
        else:
            assert expected is not None and isinstance(error, expected), (plan, repr(error))
            assert plan.text.startswith(text), (plan, text)
            if expected is not IncompleteStreamError:  # that one may have every token
                assert text != plan.text, (plan, text)
            assert KEY not in str(error)
            results[type(error).__name__] += 1

    print(
        f"\nsoak: {STREAMS} streams (seed {SEED}, concurrency {CONCURRENCY}) in {elapsed:.1f}s;"
        f" {sum(injected.values())} faults injected {dict(sorted(injected.items()))};"
        f" outcomes {dict(results)}; {retried} streams retried; {requests} requests on"
        f" {connections} connections; leaked {leaked} active, {queued} queued, {still_open} open"
    )
    assert STREAMS >= 1000
    assert 0.05 * STREAMS < sum(injected.values()) < 0.15 * STREAMS
    assert set(injected) == set(FAULTS)  # every kind of fault was exercised
    assert leaked == 0 and queued == 0 and still_open == 0
