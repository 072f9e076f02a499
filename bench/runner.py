"""The run: the bench server in its own process, and the rounds of streams, concurrency and
reuse measured against it."""

from __future__ import annotations

import asyncio
import gc
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .contenders import (
    APIS,
    CONTENDERS,
    Contender,
    NotApplicable,
)
from .server import has_scenario

#: The repository (the bench server runs from it).
ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Server:
    """A bench server in a child process (so its CPU is not the client's)."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.port = int(line.split()[1])
        deadline = time.monotonic() + 15
        while True:  # hypercorn prints the port before it listens
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:  # hypercorn waits for idle keep-alive clients
            self.proc.kill()
            self.proc.wait(5)


class Stats:
    """Reads the server's connection count over one long-lived connection of its own."""

    def __init__(self, root: str, verify: Any = True) -> None:
        import httpx

        self._client = httpx.Client(
            verify=verify, limits=httpx.Limits(keepalive_expiry=3600), timeout=30
        )
        self._url = root + "/stats"

    def accepts(self) -> int:
        return int(self._client.get(self._url).json()["accepts"])

    def close(self) -> None:
        self._client.close()


class Bench:
    """Holds the event loop, the contenders' objects and the samples of one run."""

    def __init__(
        self,
        root: str,
        only: set[str] | None,
        contenders: list[Contender] = CONTENDERS,
        apis: tuple[str, ...] = APIS,
    ) -> None:
        self.root = root
        self.only = only
        #: the APIs measured (``--apis``), in :data:`APIS` order
        self.apis = apis
        self.runner = asyncio.Runner()
        self.contenders = [c for c in contenders if only is None or c.name in only]
        self.missing: dict[str, str] = {}
        #: contender -> {api: why}: pairs skipped because the contender has no meaning there
        self.not_applicable: dict[str, dict[str, str]] = {}
        self._runs: dict[tuple[str, str, str], Any] = {}

    def base(self, scenario: str) -> str:
        return f"{self.root}/s/{scenario}/v1"

    def run_for(self, c: Contender, api: str, scenario: str, fresh: bool = False) -> Any:
        """The contender's ``run`` for a scenario (built once, reused), or ``None`` when it
        is missing or not applicable on ``api`` (a factory that raises
        :class:`NotApplicable` or returns ``None``: skipped there, measured elsewhere)."""
        if c.name in self.missing or api in self.not_applicable.get(c.name, {}):
            return None
        key = (c.name, api, scenario)
        if fresh or key not in self._runs:
            try:
                run = c.factory(self.base(scenario), api)
            except NotApplicable as exc:
                run, why = None, str(exc)
            except Exception as exc:  # an adapter not written yet, a missing package
                self.missing[c.name] = f"{type(exc).__name__}: {exc}"
                log(f"  ! {c.name} unavailable: {self.missing[c.name]}")
                return None
            else:
                why = "not applicable"
            if run is None:
                self.not_applicable.setdefault(c.name, {})[api] = why
                return None
            if fresh:
                return run
            self._runs[key] = run
        return self._runs[key]

    def once(self, c: Contender, run: Any) -> tuple[float, float, float | None, int]:
        """One timed stream: (wall s, client CPU s, TTFT s or None, chunks)."""
        # Collect the previous run's garbage, then freeze the survivors (the frameworks'
        # import-time heap) so each collection costs microseconds, not 0.1 s per stream.
        gc.collect()
        gc.freeze()
        if c.is_async:

            async def timed() -> tuple[float, float, float | None, int]:
                t0, c0 = time.perf_counter(), time.process_time()
                n, first = await run()
                t1, c1 = time.perf_counter(), time.process_time()
                return t1 - t0, c1 - c0, None if first is None else first - t0, n

            return self.runner.run(timed())
        t0, c0 = time.perf_counter(), time.process_time()
        n, first = run()
        t1, c1 = time.perf_counter(), time.process_time()
        return t1 - t0, c1 - c0, None if first is None else first - t0, n

    def call(self, c: Contender, run: Any) -> Any:
        return self.runner.run(run()) if c.is_async else run()

    # -- sections ---------------------------------------------------------------------

    def networked(self) -> list[Contender]:
        """The contenders that stream over the network (all but the framework floors)."""
        return [c for c in self.contenders if c.group != "framework"]

    def streams(
        self,
        scenarios: list[str],
        reps: int,
        section: str,
        warmup: bool = True,
        into: dict[str, Any] | None = None,
        framework: bool = True,
    ) -> dict[str, Any]:
        """Every contender on every scenario and API, interleaved, ``reps`` rounds (after a
        warm-up round that builds the objects, opens their connections and records the
        framework floors' chunks); ``framework=False`` leaves the framework floors out."""
        into = into or {"samples": {}, "errors": {}}
        contenders = self.contenders if framework else self.networked()
        samples: dict[str, list[list[float]]] = into["samples"]
        errors: dict[str, str] = into["errors"]
        for rep in range(0 if warmup else 1, reps + 1):
            log(f"  {section}: round {rep}/{reps}" + (" (warm-up)" if rep == 0 else ""))
            for scenario in scenarios:
                for api in self.apis:
                    if not has_scenario(api, scenario):
                        continue
                    order = list(contenders)
                    random.Random(rep * 7919 + len(scenario)).shuffle(order)
                    for c in order:
                        key = f"{api}|{scenario}|{c.name}"
                        if key in errors:
                            continue
                        run = self.run_for(c, api, scenario)
                        if run is None:
                            continue
                        try:
                            wall, cpu, ttft, n = self.once(c, run)
                        except Exception as exc:
                            errors[key] = f"{type(exc).__name__}: {exc}"[:300]
                            log(f"  ! {key}: {errors[key]}")
                            continue
                        expected = expected_chunks(scenario)
                        if n >= 0 and n < expected:
                            errors[key] = f"saw {n} content chunks, expected {expected}"
                            log(f"  ! {key}: {errors[key]}")
                            continue
                        if rep:
                            samples.setdefault(key, []).append([wall, cpu, ttft or 0.0, n])
        return into

    def concurrency(
        self, streams: int, chunks: int, reps: int, warmup: bool = True
    ) -> dict[str, Any]:
        """``streams`` concurrent async streams of ``chunks`` chunks, per async contender."""
        out: dict[str, Any] = {
            "streams": streams,
            "chunks": chunks,
            "samples": {},
            "errors": {},
            "connections": {},
        }
        stats = Stats(self.root)
        scenario = f"text-{chunks}"
        asyncs = [c for c in self.networked() if c.is_async and c.name != "abytes"]
        for rep in range(0 if warmup else 1, reps + 1):
            log(f"  concurrency: round {rep}/{reps}" + (" (warm-up)" if rep == 0 else ""))
            for api in self.apis:
                for c in asyncs:
                    key = f"{api}|{c.name}"
                    if key in out["errors"]:
                        continue
                    run = self.run_for(c, api, scenario)
                    if run is None:
                        continue

                    async def many(run: Any = run) -> list[Any]:
                        return list(await asyncio.gather(*(run() for _ in range(streams))))

                    gc.collect()
                    gc.freeze()
                    before = stats.accepts()
                    t0 = time.perf_counter()
                    try:
                        results = self.runner.run(many())
                    except Exception as exc:
                        out["errors"][key] = f"{type(exc).__name__}: {exc}"[:300]
                        log(f"  ! concurrency {key}: {out['errors'][key]}")
                        continue
                    wall = time.perf_counter() - t0
                    if any(n < chunks for n, _ in results):
                        out["errors"][key] = "a stream ended short"
                        continue
                    if rep:
                        out["samples"].setdefault(key, []).append(wall)
                        out["connections"][key] = stats.accepts() - before
        stats.close()
        return out

    def reuse(self, sequential: int) -> dict[str, Any]:
        """New server-side connections over ``sequential`` streams through one object."""
        out: dict[str, Any] = {"sequential": sequential, "new_connections": {}, "errors": {}}
        stats = Stats(self.root)
        for api in self.apis:
            for c in self.networked():
                if c.group == "floor" and c.name not in ("floor", "afloor"):
                    continue
                run = self.run_for(c, api, "text-100", fresh=True)
                if run is None:
                    continue
                before = stats.accepts()
                try:
                    for _ in range(sequential):
                        self.call(c, run)
                except Exception as exc:
                    out["errors"][f"{api}|{c.name}"] = f"{type(exc).__name__}: {exc}"[:300]
                    continue
                out["new_connections"][f"{api}|{c.name}"] = stats.accepts() - before
        stats.close()
        return out


def expected_chunks(scenario: str) -> int:
    return 100 if scenario == "ttft" else int(scenario.split("-")[1])
