"""The markdown report: one function per section."""

from __future__ import annotations

from typing import Any

from ..contenders import ADAPTER_FLOORS, APIS, peer_of
from .figures import (
    Table,
    against_floor,
    derived,
    headline,
    med,
    scenarios_of,
    stream_table,
)
from .figures import fmt as _fmt
from .figures import ratio as _ratio
from .summary import summary


def markdown(results: dict[str, Any], contenders: dict[str, Any]) -> str:
    """The whole report."""
    lines = _header(results) + summary(results, contenders) + _streams(results, contenders)
    for section in (
        _ttft,
        _concurrency,
        _reuse,
        _h2,
        _imports,
        _memory,
        _soak,
        _not_measured,
    ):
        lines += section(results, contenders)
    return "\n".join(lines)


def _header(results: dict[str, Any]) -> list[str]:
    """The title, the machine, the packages and how to read the rest."""
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
    return lines


def _streams(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """The headline table, the floor tables and one table per scenario (empty without streams)."""
    lines: list[str] = []
    table = stream_table(results, "streams")
    names = [c for c in contenders if any(k[2] == c for k in table)]
    if not table:
        return lines
    scen = scenarios_of(table)
    lines += _headline_table(results, contenders, table, names, headline(scen))
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
        "anthropic SDK; on gemini vs ChatGoogleGenerativeAI, llama-index GoogleGenAI and "
        "the google-genai SDK) by CPU time and by wall time. The server runs in its own "
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
    return lines


def _headline_table(
    results: dict[str, Any],
    contenders: dict[str, Any],
    table: Table,
    names: list[str],
    head: str,
) -> list[str]:
    """Per-chunk CPU and the ratios on the headline scenario, per contender and API."""
    lines: list[str] = []
    before = bool(results.get("baseline"))
    columns = ["µs/chunk", "x floor", "x peer", *(["x before"] if before else [])]
    lines += [
        f"## Headline: {head.replace('-', ' stream of ')} chunks",
        "",
        "Client CPU µs per chunk, and ratios of client CPU time per stream (the Streams "
        "section says why CPU, and gives wall times too). The peer on chat and responses "
        "is OpenAI-based (openai SDK, ChatOpenAI, llama-index OpenAI/OpenAIResponses), "
        "on messages Anthropic-based (anthropic SDK, ChatAnthropic, llama-index "
        "Anthropic), on gemini Google-based (google-genai SDK, ChatGoogleGenerativeAI, "
        "llama-index GoogleGenAI)."
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
    return lines


def _ttft(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """Time to first token, per contender and API."""
    lines: list[str] = []
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
    return lines


def _concurrency(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """Many concurrent async streams: wall time, ratio to the peer, connections."""
    lines: list[str] = []
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
    return lines


def _reuse(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """New connections over sequential streams through one object."""
    lines: list[str] = []
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
    return lines


def _h2(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """HTTP/1.1 against HTTP/2 on one server."""
    lines: list[str] = []
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
    return lines


def _imports(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """Import times in a fresh interpreter."""
    lines: list[str] = []
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
    return lines


def _memory(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """Peak RSS during one long stream."""
    lines: list[str] = []
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
    return lines


def _soak(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """RSS along one long stream through the core."""
    lines: list[str] = []
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
    return lines


def _not_measured(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """What was not measured, and what does not apply."""
    lines: list[str] = []
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
    return lines


def floor_section(table: Table, contenders: dict[str, Any]) -> list[str]:
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
        "OpenAI(Responses), on messages against ChatAnthropic / llama-index Anthropic, on "
        "gemini against ChatGoogleGenerativeAI / llama-index GoogleGenAI.",
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
