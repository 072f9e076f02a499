"""Run the benchmark: ``python -m bench [--quick] [--sections ...]``.

See bench/README.md for what each figure means. Results go to ``bench/results/``
(``latest.md``, ``latest.png``, ``latest.json``) unless ``--out`` says otherwise.
``--baseline REF`` also measures commit REF's package next to today's (bench/baseline.py).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from . import baseline, machine, report
from .contenders import (
    ADAPTER_FLOORS,
    APIS,
    BASELINE_OF,
    CONTENDERS,
    baseline_contenders,
    supported_apis,
)
from .processes import (
    IMPORT_MODULES,
    QUICK_IMPORTS,
    http2_section,
    imports_section,
    memory_section,
    probe,
)
from .runner import Bench, Server, log

HERE = Path(__file__).resolve().parent
SECTIONS = ("streams", "ttft", "concurrency", "reuse", "h2", "imports", "memory", "soak")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the chosen sections, write the report."""
    parser, args = _arguments(argv)
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    unknown = set(args.apis.split(",")) - set(APIS)
    if unknown:
        parser.error(f"unknown APIs {sorted(unknown)}")
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
    bench = Bench(root, only, contenders, plan["apis"])
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
    return {api: probe("soak", api, bench.root, str(plan["soak"])) for api in bench.apis}


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
    parser.add_argument(
        "--apis", default=",".join(APIS), help=f"comma-separated subset of {','.join(APIS)}"
    )
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
    "google",
    "lc_google",
    "li_google",
]


def _plan(args: argparse.Namespace) -> dict[str, Any]:
    """What each section runs: quick is about a minute on 2 shared cores; full has every size
    and enough rounds for medians."""
    quick = args.quick
    apis = tuple(a for a in APIS if a in args.apis.split(","))
    quick_memory = ("responses",) if "responses" in apis else apis[:1]
    return {
        "apis": apis,
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
        "memory": (["floor", "core"], quick_memory, 1) if quick else (MEMORY_NAMES, apis, 1),
        "soak": 20_000 if quick else 100_000,
    }


if __name__ == "__main__":
    main()
