"""Measurements that need a fresh interpreter: import time, peak memory, the long soak.

Run by :mod:`bench.__main__` as ``python -m bench.probe <what> ...``; prints one JSON line.

* ``import <module>``: seconds to import ``module`` (nothing else imported first).
* ``mem <contender> <api> <server-root>``: RSS before and peak RSS during one 10,000-chunk
  text stream, after a 100-chunk warm-up stream (so lazy imports and the first connection
  are not counted); ``{"not_applicable": ...}`` for a contender with no meaning on ``api``.
* ``soak <api> <server-root> [n]``: RSS every 10,000 chunks of one ``n``-chunk
  (default 100,000) text stream through the core client.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
import time
from typing import Any


def rss() -> int:
    """Resident set size in bytes (Linux /proc, else psutil)."""
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil

        return int(psutil.Process().memory_info().rss)


class PeakRSS:
    """Peak RSS over a block: the kernel's high-water mark when it can be reset, else sampled."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._kernel = self._reset_hwm()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _reset_hwm() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
            return PeakRSS._hwm() is not None
        except OSError:
            return False

    @staticmethod
    def _hwm() -> int | None:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return None

    def __enter__(self) -> PeakRSS:
        if not self._kernel:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        if self._kernel:
            self.peak = self._hwm() or rss()
        else:
            self._stop.set()
            assert self._thread is not None
            self._thread.join()
            self.peak = max(self.peak, rss())


def probe_import(module: str) -> dict[str, Any]:
    start = time.perf_counter()
    __import__(module)
    return {"module": module, "seconds": time.perf_counter() - start}


def probe_mem(name: str, api: str, root: str, n: int = 10_000) -> dict[str, Any]:
    from .contenders import BY_NAME, NotApplicable

    contender = BY_NAME[name]
    try:
        warm = contender.factory(f"{root}/s/text-100/v1", api)
    except NotApplicable as exc:
        return {"contender": name, "api": api, "not_applicable": str(exc)}
    with asyncio.Runner() as runner:

        def call(run: Any) -> tuple[int, float | None]:
            return runner.run(run()) if contender.is_async else run()  # type: ignore[no-any-return]

        call(warm)
        measured = contender.factory(f"{root}/s/text-{n}/v1", api)
        gc.collect()
        before = rss()
        with PeakRSS() as peak:
            chunks, _ = call(measured)
        after = rss()
    return {
        "contender": name,
        "api": api,
        "chunks": chunks,
        "rss_before": before,
        "peak": peak.peak,
        "peak_increase": peak.peak - before,
        "rss_after": after,
    }


def probe_soak(api: str, root: str, n: int = 100_000) -> dict[str, Any]:
    from lemon_adapters import LemonDataClient, TextDelta

    client = LemonDataClient(api_key="sk-bench", base_url=f"{root}/s/text-{n}/v1", max_retries=0)
    gc.collect()
    start = rss()
    samples: list[int] = []
    count = 0
    with client.stream(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], api=api
    ) as stream:  # type: ignore[arg-type]
        for event in stream:
            if type(event) is TextDelta:
                count += 1
                if count % 10_000 == 0:
                    samples.append(rss())
        text_len = len(stream.result.text)
    return {
        "api": api,
        "chunks": count,
        "rss_start": start,
        "samples": samples,
        "text_bytes": text_len,
        "growth_10k_to_end": samples[-1] - samples[0],
    }


def main(argv: list[str]) -> None:
    """Dispatch ``argv`` and print the JSON result."""
    what, *rest = argv
    if what == "import":
        out = probe_import(rest[0])
    elif what == "mem":
        out = probe_mem(rest[0], rest[1], rest[2])
    elif what == "soak":
        out = probe_soak(rest[0], rest[1], *(int(x) for x in rest[2:]))
    else:
        raise SystemExit(f"unknown probe {what!r}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
