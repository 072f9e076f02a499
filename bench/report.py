"""Turn one run's samples into the markdown report and the PNG chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from .contenders import ADAPTER_FLOORS, APIS, BASELINE_OF, peer_of


def med(values: list[float]) -> float:
    return statistics.median(values)


def _fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}x"


def stream_table(results: dict[str, Any], section: str) -> dict[tuple[str, str, str], Any]:
    """``(api, scenario, contender) -> {wall, cpu, ttft, chunks}`` medians."""
    out: dict[tuple[str, str, str], Any] = {}
    for key, rows in results.get(section, {}).get("samples", {}).items():
        api, scenario, name = key.split("|")
        n = int(scenario.split("-")[1]) if "-" in scenario else 100
        out[(api, scenario, name)] = {
            "wall": med([r[0] for r in rows]),
            "cpu": med([r[1] for r in rows]),
            "ttft": med([r[2] for r in rows]),
            "n": n,
            "rounds": len(rows),
        }
    return out


def derived(
    table: dict[tuple[str, str, str], Any],
    contenders: dict[str, Any],
    api: str,
    scenario: str,
    name: str,
) -> dict[str, float | None] | None:
    """Per-chunk figures and ratios for one cell, or ``None`` when not measured."""
    row = table.get((api, scenario, name))
    if row is None:
        return None
    c = contenders[name]
    # a framework floor does no network I/O: a ratio to the network floor means nothing
    floor = (
        None
        if c.group == "framework"
        else table.get((api, scenario, "afloor" if c.is_async else "floor"))
    )
    peer_name = peer_of(c, api)
    peer = table.get((api, scenario, peer_name)) if peer_name else None
    before_name = BASELINE_OF.get(name)
    before = table.get((api, scenario, before_name)) if before_name else None
    n = row["n"]
    return {
        "wall_ms": row["wall"] * 1e3,
        "cpu_ms": row["cpu"] * 1e3,
        "wall_us_chunk": row["wall"] / n * 1e6,
        "us_chunk": row["cpu"] / n * 1e6,
        "over_floor": (row["cpu"] - floor["cpu"]) / n * 1e6 if floor else None,
        "x_floor": row["cpu"] / floor["cpu"] if floor else None,
        "x_floor_wall": row["wall"] / floor["wall"] if floor else None,
        "x_peer": row["cpu"] / peer["cpu"] if peer else None,
        "x_peer_wall": row["wall"] / peer["wall"] if peer else None,
        "x_before": row["cpu"] / before["cpu"] if before else None,
        "ttft_ms": row["ttft"] * 1e3,
    }


def against_floor(
    table: dict[tuple[str, str, str], Any],
    contenders: dict[str, Any],
    api: str,
    scenario: str,
    name: str,
) -> dict[str, float | None] | None:
    """An adapter cell against its limit: the core of the same flavour plus the framework
    floor (client CPU µs per content chunk, and CPU ratios per stream); ``None`` when the
    adapter was not measured."""
    row = table.get((api, scenario, name))
    if row is None:
        return None
    core_name, fw_name, zip_name = ADAPTER_FLOORS[name]
    core = table.get((api, scenario, core_name))
    fw = table.get((api, scenario, fw_name))
    zipped = table.get((api, scenario, zip_name))
    peer_name = peer_of(contenders[name], api)
    peer = table.get((api, scenario, peer_name)) if peer_name else None
    n = row["n"]
    return {
        "ours_us_chunk": row["cpu"] / n * 1e6,
        "core_us_chunk": core["cpu"] / n * 1e6 if core else None,
        "framework_us_chunk": fw["cpu"] / n * 1e6 if fw else None,
        "x_core_framework": row["cpu"] / (core["cpu"] + fw["cpu"]) if core and fw else None,
        "zip_us_chunk": zipped["cpu"] / n * 1e6 if zipped else None,
        "x_zip": row["cpu"] / zipped["cpu"] if zipped else None,
        "x_peer": row["cpu"] / peer["cpu"] if peer else None,
    }


def floor_rows(results: dict[str, Any], contenders: dict[str, Any]) -> list[dict[str, Any]]:
    """Every adapter cell of the streams section against core + framework floor (the json
    form of the report's "Against the framework floor" tables)."""
    table = stream_table(results, "streams")
    rows = []
    for scenario in scenarios_of(table):
        for name in ADAPTER_FLOORS:
            for api in APIS:
                d = against_floor(table, contenders, api, scenario, name)
                if d is not None:
                    label = contenders[name].label
                    rows.append(
                        {"scenario": scenario, "api": api, "contender": name, "label": label, **d}
                    )
    return rows


def scenarios_of(table: dict[tuple[str, str, str], Any]) -> list[str]:
    def key(s: str) -> tuple[int, str]:
        kind, _, n = s.partition("-")
        return (int(n or 0), kind)

    return sorted({s for _, s, _ in table}, key=key)


def largest(scenarios: list[str], kind: str) -> str | None:
    """The longest ``kind`` (``text`` or ``tool``) scenario measured, if any."""
    return max(
        (s for s in scenarios if s.startswith(kind + "-")),
        key=lambda s: int(s.split("-")[1]),
        default=None,
    )


def summary(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """The headline table: each target's figure for every API (empty if no streams)."""
    table = stream_table(results, "streams")
    if not table:
        return []
    scen = scenarios_of(table)
    head = max(
        (s for s in scen if s.startswith("text")), key=lambda s: int(s[5:]), default=scen[-1]
    )
    rows: list[tuple[str, str, Any]] = []

    def ratio(name: str, key: str) -> Any:
        return lambda api: (derived(table, contenders, api, head, name) or {}).get(key)

    reader = results.get("json_reader") or "msgspec"
    fast = "with the fast extra (msgspec)" if reader == "msgspec" else f"default reader ({reader})"
    for label, std, default in (
        ("LemonDataClient.stream", "core_std", "core"),
        ("AsyncLemonDataClient.stream", "acore_std", "acore"),
    ):
        rows.append(
            (
                f"{label} CPU per chunk vs floor, standard-library JSON",
                "≤ 1.00x",
                ratio(std, "x_floor"),
            )
        )
        rows.append(
            (f"{label} CPU per chunk vs floor, {fast}", "≤ 0.85x", ratio(default, "x_floor"))
        )
    for name, label, peer in (
        ("lc", "ChatLemonData.stream", "ChatOpenAI / ChatAnthropic"),
        ("alc", "ChatLemonData.astream", "ChatOpenAI / ChatAnthropic"),
        ("li", "LemonData.stream_chat", "llama-index OpenAI / Anthropic"),
        ("ali", "LemonData.astream_chat", "llama-index OpenAI / Anthropic"),
    ):
        rows.append((f"{label}: wall vs {peer}", "≤ 0.33x", ratio(name, "x_peer_wall")))
    baseline = results.get("baseline")
    if baseline:
        measured = {k[2] for k in table if k[1] == head}
        for name, before in BASELINE_OF.items():
            if name in measured and before in measured:
                label = f"{contenders[name].label}: CPU per stream vs before ({baseline['ref']})"
                rows.append((label, "< 1: faster", ratio(name, "x_before")))
    tool = largest(scen, "tool")
    for scenario in (head, tool):
        if scenario is None:
            continue
        for name in ADAPTER_FLOORS:
            if not any(k[1] == scenario and k[2] == name for k in table):
                continue

            def fw(api: str, name: str = name, scenario: str = scenario) -> Any:
                d = against_floor(table, contenders, api, scenario, name)
                return d and d["x_core_framework"]

            where = "" if scenario == head else f" ({scenario})"
            label = f"{contenders[name].label}{where}: CPU vs core + framework floor"
            rows.append((label, "≤ 1.15x", fw))
    ttft = stream_table(results, "ttft")
    if ttft:
        for name in ("core", "acore"):
            floor = "afloor" if name == "acore" else "floor"

            def delta(api: str, name: str = name, floor: str = floor) -> Any:
                a, b = ttft.get((api, "ttft", name)), ttft.get((api, "ttft", floor))
                return a and b and (a["ttft"] - b["ttft"]) * 1e3

            rows.append((f"TTFT {contenders[name].label.split()[1]} − floor (ms)", "≤ 1", delta))
    conc = results.get("concurrency") or {}
    for name in ("acore", "alc", "ali"):
        if conc.get("samples"):

            def cratio(api: str, name: str = name) -> Any:
                s = conc["samples"].get(f"{api}|{name}")
                p = conc["samples"].get(f"{api}|{peer_of(contenders[name], api)}")
                return s and p and med(s) / med(p)

            n, c = conc["streams"], conc["chunks"]
            label = contenders[name].label
            rows.append((f"{n} concurrent x {c} chunks: {label} vs peer", "≤ 0.33x", cratio))
    reuse = (results.get("reuse") or {}).get("new_connections") or {}
    if reuse:
        k = results["reuse"]["sequential"]
        peers = ("lc_peer", "lc_anthropic", "li_peer", "li_anthropic", "openai", "anthropic")
        for name in ("core", "acore", "lc", "alc", "li", "ali", *peers):
            if any(key.endswith("|" + name) for key in reuse):
                rows.append(
                    (
                        f"connections for {k} sequential streams: {contenders[name].label}",
                        "1" if contenders[name].group == "ours" else "",
                        lambda api, name=name: reuse.get(f"{api}|{name}"),
                    )
                )
    lines = [
        f"## Summary ({head.replace('-', ' streams of ')} chunks unless said)",
        "",
        "| figure | target | " + " | ".join(APIS) + " |",
        "|---|---|" + "---:|" * len(APIS),
    ]
    for label, target, get in rows:
        cells = []
        for api in APIS:
            v = get(api)
            if v is None or (v == 0 and "connections" not in label and "TTFT" not in label):
                cells.append("–")
            elif isinstance(v, int):
                cells.append(str(v))
            elif "TTFT" in label:
                cells.append(f"{v:+.2f}")
            else:
                cells.append(f"{v:.2f}x")
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    imports = (results.get("imports") or {}).get("samples") or {}
    if imports:
        parts = [f"`{m}` {med(s):.2f} s" for m, s in imports.items()]
        lines += ["", "Imports (fresh interpreter, median): " + ", ".join(parts) + "."]
    lines.append("")
    return lines


def floor_section(table: dict[tuple[str, str, str], Any], contenders: dict[str, Any]) -> list[str]:
    """The "Against the framework floor" tables, one per scenario (empty if not measured)."""
    if not any(k[2] in ADAPTER_FLOORS for k in table):
        return []
    lines = [
        "",
        "## Against the framework floor",
        "",
        "Client CPU µs per content chunk of each adapter (ours), of the core client of the "
        "same sync/async flavour, and of the framework floor: a minimal LangChain or "
        "LlamaIndex model that replays the very chunks the adapter yields, with no "
        "network (bench/README.md says how it is built). `x (core + fw)` is the adapter's "
        "CPU time per stream over the core's plus the floor's: what the adapter spends "
        "beyond the two costs it cannot avoid (target ≤ 1.15x). `core ∥ fw` runs the "
        "core's stream and the floor's zipped, one floor chunk per content event, so both "
        "are paid interleaved as inside an adapter; `x (core ∥ fw)` is then what the "
        "adapter's own code adds. `x peer` is against ChatOpenAI / llama-index "
        "OpenAI(Responses), on messages against ChatAnthropic / llama-index Anthropic.",
    ]
    for scenario in scenarios_of(table):
        if not any(k[1] == scenario and k[2] in ADAPTER_FLOORS for k in table):
            continue
        lines += [
            "",
            f"### {scenario}",
            "",
            "| adapter | api | ours µs/chunk | core µs/chunk | fw floor µs/chunk "
            "| x (core + fw) | core ∥ fw µs/chunk | x (core ∥ fw) | x peer |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in ADAPTER_FLOORS:
            for api in APIS:
                d = against_floor(table, contenders, api, scenario, name)
                if d is None:
                    continue
                lines.append(
                    f"| {contenders[name].label} | {api} | {_fmt(d['ours_us_chunk'])} | "
                    f"{_fmt(d['core_us_chunk'])} | {_fmt(d['framework_us_chunk'])} | "
                    f"{_ratio(d['x_core_framework'])} | {_fmt(d['zip_us_chunk'])} | "
                    f"{_ratio(d['x_zip'])} | {_ratio(d['x_peer'])} |"
                )
    return lines


def markdown(results: dict[str, Any], contenders: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# lemon-adapters benchmark" + (" (quick mode)" if results.get("quick") else ""),
        "",
        f"{m['date']} · {m['cpu']}, {m['cores']} cores · {m['implementation']} {m['python']} · "
        f"{m['os']} · commit `{m['commit']}` · load average before {m['load_before']}, "
        f"after {m.get('load_after')} · {results.get('elapsed', 0):.0f} s",
        "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        "",
        f"JSON reader of `core` / `acore`: {results.get('json_reader', '?')}; `core_std` / "
        "`acore_std` switch the core to the standard library's for each of their runs.",
        "",
        *baseline_note(results),
        "Medians over interleaved rounds. Local server in its own process on 127.0.0.1; "
        "see bench/README.md for what each figure means. The machine is shared, so "
        "absolute times are noisy: compare within a table (same run).",
        "",
    ]
    lines += summary(results, contenders)
    table = stream_table(results, "streams")
    names = [c for c in contenders if any(k[2] == c for k in table)]
    if table:
        scen = scenarios_of(table)
        head = max(
            (s for s in scen if s.startswith("text")), key=lambda s: int(s[5:]), default=scen[-1]
        )
        before = bool(results.get("baseline"))
        columns = ["µs/chunk", "x floor", "x peer", *(["x before"] if before else [])]
        lines += [
            f"## Headline: {head.replace('-', ' stream of ')} chunks",
            "",
            "Client CPU µs per chunk, and ratios of client CPU time per stream (the Streams "
            "section says why CPU, and gives wall times too). The peer on chat and responses "
            "is OpenAI-based (openai SDK, ChatOpenAI, llama-index OpenAI/OpenAIResponses), "
            "on messages Anthropic-based (anthropic SDK, ChatAnthropic, llama-index "
            "Anthropic)."
            + (
                " `x before`: our CPU time per stream over the same contender's on the "
                f"baseline commit `{results['baseline']['ref']}` (below 1: faster now)."
                if before
                else ""
            ),
            "",
            "| contender | " + " | ".join(f"{a} {c}" for a in APIS for c in columns) + " |",
            "|---|" + "---:|" * (len(APIS) * len(columns)),
        ]
        for name in names:
            cells = []
            for api in APIS:
                d = derived(table, contenders, api, head, name)
                cells += [
                    _fmt(d and d["us_chunk"]),
                    _ratio(d and d["x_floor"]),
                    _ratio(d and d["x_peer"]),
                ]
                if before:
                    cells.append(_ratio(d and d["x_before"]))
            lines.append(f"| {contenders[name].label} | " + " | ".join(cells) + " |")
        lines += floor_section(table, contenders)
        lines += [
            "",
            "## Streams",
            "",
            "Per scenario: wall time and client CPU time per stream (ms), client CPU µs per "
            "chunk, client overhead over the floor (CPU µs per chunk, against the floor of "
            "the same sync/async flavour), and ratios to the floor and to the peer (ours vs "
            "ChatOpenAI, vs llama-index OpenAI/OpenAIResponses, and vs the openai SDK for "
            "the core client; on messages vs ChatAnthropic, llama-index Anthropic and the "
            "anthropic SDK) by CPU time and by wall time. The server runs in its own "
            "process, so the client's CPU time is the client's own cost; wall time also "
            "holds time spent waiting for a CPU on a shared machine, hence the CPU ratios "
            "are the steadier ones.",
            "",
        ]
        for scenario in scen:
            lines += [
                f"### {scenario}",
                "",
                "| contender | api | wall ms | CPU ms | CPU µs/chunk | over floor µs/chunk "
                "| x floor CPU | x floor wall | x peer CPU | x peer wall |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for name in names:
                for api in APIS:
                    d = derived(table, contenders, api, scenario, name)
                    if d is None:
                        continue
                    lines.append(
                        f"| {contenders[name].label} | {api} | {_fmt(d['wall_ms'], 2)} | "
                        f"{_fmt(d['cpu_ms'], 2)} | {_fmt(d['us_chunk'])} | "
                        f"{_fmt(d['over_floor'])} | {_ratio(d['x_floor'])} | "
                        f"{_ratio(d['x_floor_wall'])} | {_ratio(d['x_peer'])} | "
                        f"{_ratio(d['x_peer_wall'])} |"
                    )
            lines.append("")
    ttft = stream_table(results, "ttft")
    if ttft:
        lines += [
            "## Time to first token",
            "",
            "100-chunk text stream; the server sends the head and the first delta, then "
            "pauses 20 ms, so the first content arrives in a read of its own. Median ms "
            "from the call to the first content chunk; `vs floor` is the difference to "
            "the floor of the same flavour.",
            "",
            "| contender | " + " | ".join(f"{a} ms | vs floor" for a in APIS) + " |",
            "|---|" + "---:|---:|" * len(APIS),
        ]
        for name in [c for c in contenders if any(k[2] == c for k in ttft)]:
            cells = []
            for api in APIS:
                row = ttft.get((api, "ttft", name))
                base = ttft.get((api, "ttft", "afloor" if contenders[name].is_async else "floor"))
                cells += [
                    _fmt(row and row["ttft"] * 1e3, 2),
                    _fmt(row and base and (row["ttft"] - base["ttft"]) * 1e3, 2),
                ]
            lines.append(f"| {contenders[name].label} | " + " | ".join(cells) + " |")
        lines.append("")
    conc = results.get("concurrency")
    if conc and conc.get("samples"):
        lines += [
            f"## {conc['streams']} concurrent async streams of {conc['chunks']} chunks",
            "",
            "Wall time for all of them (s, median); new connections opened in the "
            "last round; ratio to the peer.",
            "",
            "| contender | " + " | ".join(f"{a} s | {a} x peer | {a} conns" for a in APIS) + " |",
            "|---|" + "---:|" * (3 * len(APIS)),
        ]
        for name in [c for c in contenders if any(k.endswith("|" + c) for k in conc["samples"])]:
            cells = []
            for api in APIS:
                s = conc["samples"].get(f"{api}|{name}")
                peer = peer_of(contenders[name], api)
                p = conc["samples"].get(f"{api}|{peer}") if peer else None
                cells += [
                    _fmt(s and med(s), 3),
                    _ratio(s and p and med(s) / med(p)),
                    str(conc["connections"].get(f"{api}|{name}", "–")),
                ]
            lines.append(f"| {contenders[name].label} | " + " | ".join(cells) + " |")
        for key, err in conc.get("errors", {}).items():
            lines.append(f"\n- {key}: {err}")
        lines.append("")
    reuse = results.get("reuse")
    if reuse and reuse.get("new_connections"):
        lines += [
            "## Connection reuse",
            "",
            f"New TCP connections the server accepted during {reuse['sequential']} "
            "sequential 100-chunk streams through one client or framework object "
            "(counted server-side; 1 is ideal: the first stream's connection, then "
            "reuse).",
            "",
            "| contender | " + " | ".join(APIS) + " |",
            "|---|" + "---:|" * len(APIS),
        ]
        conns = reuse["new_connections"]
        for name in [c for c in contenders if any(k.endswith("|" + c) for k in conns)]:
            cells = [str(conns.get(f"{api}|{name}", "–")) for api in APIS]
            lines.append(f"| {contenders[name].label} | " + " | ".join(cells) + " |")
        for key, err in reuse.get("errors", {}).items():
            lines.append(f"\n- {key}: {err}")
        lines.append("")
    h2 = results.get("h2")
    if h2:
        lines += ["## HTTP/1.1 vs HTTP/2", ""]
        if "error" in h2:
            lines += [f"Not measured: {h2['error']}", ""]
        else:
            lines += [
                f"{h2['streams']} concurrent Responses streams of {h2['chunks']} chunks "
                "through `AsyncLemonDataClient`, TLS on 127.0.0.1, one hypercorn server "
                "speaking both (ALPN). httpx's default pool allows 100 connections.",
                "",
                "| client | wall s (median) | connections used |",
                "|---|---:|---:|",
            ]
            for name, s in h2["samples"].items():
                lines.append(f"| {name} | {med(s):.3f} | {h2['connections'].get(name, '–')} |")
            for key, err in h2.get("errors", {}).items():
                lines.append(f"\n- {key}: {err}")
            lines.append("")
    imports = results.get("imports")
    if imports and imports.get("samples"):
        lines += [
            "## Import time",
            "",
            "Seconds to import the module in a fresh interpreter (median of runs).",
            "",
            "| module | median s | min s | runs |",
            "|---|---:|---:|---:|",
        ]
        for module, s in imports["samples"].items():
            lines.append(f"| `{module}` | {med(s):.3f} | {min(s):.3f} | {len(s)} |")
        for module, err in imports.get("errors", {}).items():
            lines.append(f"| `{module}` | not importable: {err} | | |")
        lines.append("")
    mem = results.get("memory")
    if mem:
        lines += [
            "## Peak memory",
            "",
            "Peak RSS increase (MB) during one 10,000-chunk text stream, fresh process, "
            "after a 100-chunk warm-up stream (median of runs).",
            "",
            "| contender | " + " | ".join(f"{a} MB" for a in APIS) + " |",
            "|---|" + "---:|" * len(APIS),
        ]
        names_m = [n for n in dict.fromkeys(k.split("|")[1] for k in mem) if n in contenders]
        for name in names_m:
            cells = []
            for api in APIS:
                r = mem.get(f"{api}|{name}")
                if r is None:
                    cells.append("–")
                elif "error" in r:
                    cells.append("error")
                else:
                    cells.append(f"{r['peak_increase'] / 2**20:.2f}")
            lines.append(f"| {contenders[name].label} | " + " | ".join(cells) + " |")
        lines.append("")
    soak = results.get("soak")
    if soak:
        lines += [
            "## Long stream through the core",
            "",
            "RSS sampled every 10,000 chunks of one long text stream "
            "(`LemonDataClient.stream`). Growth from the first sample to the last, "
            "against the accumulated text itself.",
            "",
            "| api | chunks | text KB | RSS at 10k MB | RSS growth 10k→end KB "
            "| growth per chunk bytes |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for api, r in soak.items():
            if "error" in r:
                lines.append(f"| {api} | error: {r['error']} | | | | |")
                continue
            growth = r["growth_10k_to_end"]
            per = growth / max(1, r["chunks"] - 10_000)
            lines.append(
                f"| {api} | {r['chunks']:,} | {r['text_bytes'] / 1024:,.0f} | "
                f"{r['samples'][0] / 2**20:.1f} | {growth / 1024:,.0f} | {per:.1f} |"
            )
        lines.append("")
    missing = results.get("missing") or {}
    errors = {
        **results.get("streams", {}).get("errors", {}),
        **results.get("ttft", {}).get("errors", {}),
    }
    if missing or errors:
        lines += ["## Not measured", ""]
        lines += [f"- `{name}`: {why}" for name, why in missing.items()]
        lines += [f"- `{key}`: {why}" for key, why in errors.items()]
        lines.append("")
    skipped = results.get("not_applicable") or {}
    if skipped:
        lines += [
            "## Not applicable",
            "",
            "Contenders skipped on an API they have no meaning on (they ran on the others):",
            "",
        ]
        for name in sorted(skipped, key=list(contenders).index):
            apis = skipped[name]
            reasons = "; ".join(dict.fromkeys(apis.values()))
            lines.append(f"- `{name}` on {', '.join(apis)}: {reasons}")
        lines.append("")
    return "\n".join(lines)


def baseline_note(results: dict[str, Any]) -> list[str]:
    """The report's line on ``--baseline`` (empty without one)."""
    b = results.get("baseline")
    if not b:
        return []
    return [
        f"Baseline (`--baseline {b['ref']}`): commit `{b['commit'][:12]}`'s `lemon_adapters` "
        f"as `lemon_adapters_base`, on {', '.join(b['apis'])}; `*@base` contenders, "
        "`x before` = ours / the baseline's CPU time per stream.",
        "",
    ]


def chart(results: dict[str, Any], contenders: dict[str, Any], path: Path) -> Path | None:
    """Bar charts: µs/chunk on the headline scenario, TTFT, imports. ``None`` if no data."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    table = stream_table(results, "streams")
    if not table:
        return None
    scen = scenarios_of(table)
    head = max(
        (s for s in scen if s.startswith("text")), key=lambda s: int(s[5:]), default=scen[-1]
    )
    names = [
        c
        for c in contenders
        if c not in ("bytes", "abytes") and any(k[2] == c and k[1] == head for k in table)
    ]
    imports = (results.get("imports") or {}).get("samples") or {}
    ttft = stream_table(results, "ttft")
    cells = [
        (name, scenario)
        for scenario in scen
        if scenario in (head, largest(scen, "tool"))
        for name in ADAPTER_FLOORS
        if against_floor(table, contenders, "responses", scenario, name)
    ]
    panels = 1 + bool(imports) + bool(ttft) + bool(cells)
    fig, axes = plt.subplots(
        1, panels, figsize=(6.5 * panels, 0.42 * len(names) + 2.2), squeeze=False
    )
    colors = {
        "floor": "#888888",
        "ours": "#e0b000",
        "peer": "#4a72b0",
        "framework": "#7fb07f",
        "baseline": "#c07050",
    }
    width = 0.84 / len(APIS)
    alphas = [0.35 + 0.65 * i / max(1, len(APIS) - 1) for i in range(len(APIS))]
    order = ", ".join(APIS)
    ax = axes[0][0]
    y = range(len(names))
    for i, api in enumerate(APIS):
        vals = [
            (derived(table, contenders, api, head, n) or {}).get("us_chunk") or 0 for n in names
        ]
        ax.barh(
            [v + (i - (len(APIS) - 1) / 2) * width for v in y],
            vals,
            height=width * 0.95,
            color=[colors.get(contenders[n].group, "#444444") for n in names],
            alpha=alphas[i],
        )
    ax.set_yticks(list(y), [contenders[n].label for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("client CPU µs per chunk, lower is better")
    ax.set_title(f"{head}: bars per contender are {order} (light to dark)", fontsize=9)
    col = 1
    if cells:
        ax = axes[0][col]
        figs = [against_floor(table, contenders, "responses", sc, n) or {} for n, sc in cells]
        y = range(len(cells))
        core = [f.get("core_us_chunk") or 0 for f in figs]
        fw = [f.get("framework_us_chunk") or 0 for f in figs]
        ax.barh([v - 0.27 for v in y], core, height=0.26, color=colors["floor"], label="core")
        ax.barh(
            [v - 0.27 for v in y],
            fw,
            left=core,
            height=0.26,
            color=colors["framework"],
            label="+ framework floor",
        )
        ax.barh(
            list(y),
            [f.get("zip_us_chunk") or 0 for f in figs],
            height=0.26,
            color=colors["framework"],
            alpha=0.5,
            label="core ∥ floor, zipped",
        )
        ax.barh(
            [v + 0.27 for v in y],
            [f.get("ours_us_chunk") or 0 for f in figs],
            height=0.26,
            color=colors["ours"],
            label="adapter (ours)",
        )
        ax.set_yticks(list(y), [f"{contenders[n].label} · {sc}" for n, sc in cells], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(right=ax.get_xlim()[1] * 1.4)  # room for the legend
        ax.legend(fontsize=7, loc="lower right")
        ax.set_xlabel("client CPU µs per chunk, responses API")
        ax.set_title("adapters against core + framework floor", fontsize=9)
        col += 1
    if ttft:
        ax = axes[0][col]
        tn = [n for n in names if any(k[2] == n for k in ttft)]
        for i, api in enumerate(APIS):
            vals = [(ttft.get((api, "ttft", n)) or {}).get("ttft", 0) * 1e3 for n in tn]
            ax.barh(
                [v + (i - (len(APIS) - 1) / 2) * width for v in range(len(tn))],
                vals,
                height=width * 0.95,
                color=[colors.get(contenders[n].group, "#444444") for n in tn],
                alpha=alphas[i],
            )
        ax.set_yticks(list(range(len(tn))), [contenders[n].label for n in tn], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("ms to first content chunk")
        ax.set_title(f"time to first token ({order}, light to dark)", fontsize=9)
        col += 1
    if imports:
        ax = axes[0][col]
        mods = list(imports)
        ax.barh(
            range(len(mods)),
            [med(imports[m]) for m in mods],
            color=["#e0b000" if m.startswith("lemon") else "#4a72b0" for m in mods],
        )
        ax.set_yticks(list(range(len(mods))), mods, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("import time, s (fresh interpreter, median)")
        ax.set_title("imports", fontsize=9)
    m = results["machine"]
    fig.suptitle(
        f"lemon-adapters benchmark · {m['date']} · {m['cpu']}, {m['cores']} cores · "
        f"Python {m['python']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
