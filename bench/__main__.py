"""Run the benchmark: ``python -m bench [--quick] [--sections ...]``.

See bench/README.md for what each figure means. Results go to ``bench/results/``
(``latest.md``, ``latest.png``, ``latest.json``) unless ``--out`` says otherwise.
``--baseline REF`` also measures commit REF's package next to today's (bench/baseline.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import baseline, machine, report
from .contenders import (
    ADAPTER_FLOORS,
    APIS,
    BASELINE_OF,
    CONTENDERS,
    Contender,
    NotApplicable,
    baseline_contenders,
    supported_apis,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ("streams", "ttft", "concurrency", "reuse", "h2", "imports", "memory", "soak")
IMPORT_MODULES = (
    "lemon_adapters",
    "lemon_adapters.langchain",
    "lemon_adapters.llama_index",
    "langchain_openai",
    "llama_index.llms.openai",
    "langchain_anthropic",
    "llama_index.llms.anthropic",
    "langchain_core.language_models.chat_models",
    "llama_index.core",
    "openai",
    "anthropic",
    "httpx",
)
#: What every LangChain / LlamaIndex chat model must import: BaseChatModel lives in
#: langchain_core.language_models.chat_models, and any llama_index.core.* import runs
#: llama_index/core/__init__.py, which loads the whole of llama_index.core.
QUICK_IMPORTS = ("lemon_adapters", "lemon_adapters.langchain", "langchain_openai", "httpx")


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
        self, root: str, only: set[str] | None, contenders: list[Contender] = CONTENDERS
    ) -> None:
        self.root = root
        self.only = only
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
                for api in APIS:
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
            for api in APIS:
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
        for api in APIS:
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


@contextmanager
def tls_cert() -> Any:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl CLI)."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key,
                "-out",
                cert,
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        yield cert, key


def http2_section(streams: int, chunks: int, reps: int) -> dict[str, Any]:
    """200 concurrent streams over HTTP/1.1 and HTTP/2 (TLS, hypercorn, same server)."""
    import httpx

    from lemon_adapters import AsyncLemonDataClient

    from .contenders import core_async

    out: dict[str, Any] = {
        "streams": streams,
        "chunks": chunks,
        "samples": {},
        "connections": {},
        "errors": {},
    }
    with tls_cert() as (cert, key):
        server = Server("h2", "--cert", cert, "--key", key)
        root = f"https://127.0.0.1:{server.port}"
        old = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = cert  # httpx trusts it when building its SSL context
        try:
            stats = Stats(root, verify=cert)
            base = f"{root}/s/text-{chunks}/v1"
            with asyncio.Runner() as runner:
                runs = {
                    "ours, HTTP/1.1": core_async(base, "responses"),
                    "ours, HTTP/2 (http2=True)": core_async(base, "responses", http2=True),
                }
                assert AsyncLemonDataClient  # imported above so a failure shows here
                for rep in range(reps + 1):
                    log(f"  h2: round {rep}/{reps}" + (" (warm-up)" if rep == 0 else ""))
                    for name, run in runs.items():

                        async def many(run: Any = run) -> list[Any]:
                            return list(await asyncio.gather(*(run() for _ in range(streams))))

                        stats.accepts()  # starts the count
                        t0 = time.perf_counter()
                        try:
                            runner.run(many())
                        except Exception as exc:
                            out["errors"][name] = f"{type(exc).__name__}: {exc}"[:300]
                            continue
                        wall = time.perf_counter() - t0
                        if rep:
                            out["samples"].setdefault(name, []).append(wall)
                            # the h2 server counts connections used since the last call
                            out["connections"][name] = stats.accepts()
            stats.close()
            out["httpx"] = httpx.__version__
        finally:
            if old is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = old
            server.stop()
    return out


def imports_section(runs: int, modules: tuple[str, ...] = IMPORT_MODULES) -> dict[str, Any]:
    """Import time of each entry module in a fresh interpreter, ``runs`` times each."""
    code = (
        "import time, sys; t = time.perf_counter(); __import__(sys.argv[1]); "
        "print(time.perf_counter() - t)"
    )
    out: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    for _ in range(runs):
        for module in modules:
            if module in errors:
                continue
            proc = subprocess.run(
                [sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True
            )
            if proc.returncode:
                errors[module] = proc.stderr.strip().splitlines()[-1][:200]
                continue
            out.setdefault(module, []).append(float(proc.stdout))
    return {"samples": out, "errors": errors}


def probe(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.probe", *args], cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:300]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def memory_section(root: str, names: list[str], apis: Any, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for api in apis:
        for name in names:
            results = [probe("mem", name, api, root) for _ in range(runs)]
            if any("not_applicable" in r for r in results):
                continue  # e.g. the openai SDK on Messages
            ok = [r for r in results if "error" not in r]
            if not ok:
                out[f"{api}|{name}"] = {"error": results[0]["error"]}
                continue
            out[f"{api}|{name}"] = {
                "peak_increase": statistics.median(r["peak_increase"] for r in ok),
                "chunks": ok[0]["chunks"],
            }
    return out


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the chosen sections, write the report."""
    parser, args = _arguments(argv)
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    only = _only(args)
    started = time.time()

    from lemon_adapters.core.wire import json_reader

    info = machine.describe()
    log(machine.format(info))
    results: dict[str, Any] = {
        "machine": info,
        "quick": args.quick,
        "sections": sections,
        "json_reader": json_reader.json_decoder(),
    }
    exported: tempfile.TemporaryDirectory[str] | None = None
    contenders = list(CONTENDERS)
    if args.baseline:
        exported = tempfile.TemporaryDirectory(prefix="lemon-bench-base-")
        contenders = _with_baseline(parser, args.baseline, Path(exported.name), results)
    by_name = {c.name: c for c in contenders}
    plan = _plan(args)
    results["plan"] = plan
    server = Server("h1")
    root = f"http://127.0.0.1:{server.port}"
    bench = Bench(root, only, contenders)
    try:
        _run_sections(bench, sections, plan, args.quick, results)
    finally:
        server.stop()
        if exported is not None:
            exported.cleanup()
    results["missing"] = bench.missing
    results["not_applicable"] = bench.not_applicable
    results["framework_floor"] = report.floor_rows(results, by_name)
    results["elapsed"] = time.time() - started
    results["machine"]["load_after"] = machine.loadavg()
    _write(args, results, by_name)


def _run_sections(
    bench: Bench, sections: list[str], plan: dict[str, Any], quick: bool, results: dict[str, Any]
) -> None:
    """Run each chosen section in order, logging how long each took, into ``results``."""
    runners = {
        "streams": _streams,
        "ttft": _ttft,
        "concurrency": _concurrency,
        "reuse": _reuse,
        "h2": _h2,
        "imports": _imports,
        "memory": _memory,
        "soak": _soak,
    }
    for section in SECTIONS:
        if section in sections:
            start = time.perf_counter()
            results[section] = runners[section](bench, plan, quick)
            log(f"  ({section}: {time.perf_counter() - start:.1f} s)")


def _streams(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    into = None
    for sizes, reps, warmup in plan["streams"]:
        log(f"streams: {', '.join(sizes)} x {reps} rounds")
        into = bench.streams(sizes, reps, "streams", warmup=warmup, into=into)
    return into


def _ttft(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    log(f"ttft: {plan['ttft_reps']} rounds")
    return bench.streams(["ttft"], plan["ttft_reps"], "ttft", framework=False)


def _concurrency(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    n, chunks, reps = plan["concurrency"]
    log(f"concurrency: {n} streams x {chunks} chunks x {reps} rounds")
    return bench.concurrency(n, chunks, reps, warmup=False)


def _reuse(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    log(f"reuse: {plan['sequential']} sequential streams per object")
    return bench.reuse(plan["sequential"])


def _h2(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    n, chunks, reps = plan["concurrency"]
    log(f"h2: {n} streams x {chunks} chunks x {reps} rounds")
    try:
        return http2_section(n, chunks, reps)
    except Exception as exc:
        error = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        log(f"  ! h2: {error['error']}")
        return error


def _imports(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    log(f"imports: {plan['import_runs']} fresh interpreters per module")
    return imports_section(plan["import_runs"], QUICK_IMPORTS if quick else IMPORT_MODULES)


def _memory(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    names, apis, runs = plan["memory"]
    names = [n for n in names if bench.only is None or n in bench.only]
    log(f"memory: 10,000-chunk stream, fresh process each: {', '.join(names)}")
    return memory_section(bench.root, names, apis, runs)


def _soak(bench: Bench, plan: dict[str, Any], quick: bool) -> Any:
    log(f"soak: one {plan['soak']:,}-chunk stream through the core, per API")
    return {api: probe("soak", api, bench.root, str(plan["soak"])) for api in APIS}


def _write(args: argparse.Namespace, results: dict[str, Any], by_name: dict[str, Any]) -> None:
    """The json, the markdown and the chart, under ``--out``; the markdown printed too."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or ("quick" if args.quick else "latest")
    (out / f"{stem}.json").write_text(json.dumps(results, indent=1) + "\n")
    text = report.markdown(results, by_name)
    (out / f"{stem}.md").write_text(text)
    chart = report.chart(results, by_name, out / f"{stem}.png")
    print(text)
    log(
        f"wrote {out / (stem + '.md')}"
        + (f" and {chart}" if chart else "")
        + f" in {results['elapsed']:.0f} s"
    )


def _arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run, about a minute")
    parser.add_argument("--reps", type=int, help="timed rounds per measurement")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    parser.add_argument("--only", help="comma-separated contender names (see bench/README.md)")
    parser.add_argument("--out", default=str(HERE / "results"), help="output folder")
    parser.add_argument("--name", help="output file stem (default: latest, or quick)")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also measure commit REF's lemon_adapters (core@base ... ali@base) for `x before`",
    )
    return parser, parser.parse_args(argv)


def _only(args: argparse.Namespace) -> set[str] | None:
    """The contenders ``--only`` names, with what each needs beside it."""
    only = set(args.only.split(",")) | {"floor", "afloor"} if args.only else None
    if only is not None:  # an adapter brings its core and framework floor (their sum is its limit)
        only |= {n for name in only for n in ADAPTER_FLOORS.get(name, ())}
    if only is not None and args.baseline:  # and each of ours its baseline twin
        only |= {BASELINE_OF[name] for name in only if name in BASELINE_OF}
    return only


def _with_baseline(
    parser: argparse.ArgumentParser, ref: str, folder: Path, results: dict[str, Any]
) -> list[Any]:
    """The contenders with commit ``ref``'s package beside ours (exported into ``folder``)."""
    try:
        commit = baseline.export(ref, folder)
    except ValueError as exc:
        parser.error(str(exc))
    baseline.install(folder)
    twins = {c.name: c for c in baseline_contenders(baseline.BASE_PACKAGE, ref)}
    # each baseline contender right after its counterpart, so tables show them together
    contenders = [t for c in CONTENDERS for t in (c, twins.get(f"{c.name}@base")) if t is not None]
    apis = sorted(supported_apis(baseline.BASE_PACKAGE), key=APIS.index)
    results["baseline"] = {"ref": ref, "commit": commit, "apis": apis}
    log(f"baseline: {ref} = {commit[:12]} as {baseline.BASE_PACKAGE}, on {apis}")
    return contenders


#: The contenders whose peak memory the full run measures.
MEMORY_NAMES = [
    "floor",
    "core",
    "openai",
    "anthropic",
    "lc",
    "lc_peer",
    "lc_anthropic",
    "li",
    "li_peer",
    "li_anthropic",
]


def _plan(args: argparse.Namespace) -> dict[str, Any]:
    """What each section runs: quick is about a minute on 2 shared cores; full has every size
    and enough rounds for medians."""
    quick = args.quick
    return {
        # (scenarios, rounds, warm-up round): 10,000-chunk streams are long enough that the
        # first one's connection set-up does not matter, and they dominate the run time
        "streams": [(["text-300", "tool-300"], args.reps or 5, True)]
        if quick
        else [
            (["text-100", "tool-100", "text-1000", "tool-1000"], args.reps or 5, True),
            (["text-10000", "tool-10000"], args.reps or 3, False),
        ],
        "ttft_reps": args.reps or (2 if quick else 15),
        "concurrency": (40, 40, 1) if quick else (200, 200, 2),
        "sequential": 5 if quick else 20,
        "import_runs": 1 if quick else 5,
        "memory": (["floor", "core"], ("responses",), 1) if quick else (MEMORY_NAMES, APIS, 1),
        "soak": 20_000 if quick else 100_000,
    }


if __name__ == "__main__":
    main()
