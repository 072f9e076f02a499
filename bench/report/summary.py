"""The report's headline table: each target's figure for every API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..contenders import ADAPTER_FLOORS, APIS, BASELINE_OF, peer_of
from .figures import (
    Table,
    against_floor,
    derived,
    headline,
    largest,
    med,
    scenarios_of,
    stream_table,
)

#: (label, target, the figure for an API)
Row = tuple[str, str, Callable[[str], Any]]


def summary(results: dict[str, Any], contenders: dict[str, Any]) -> list[str]:
    """The headline table (empty if no streams were measured)."""
    table = stream_table(results, "streams")
    if not table:
        return []
    scen = scenarios_of(table)
    head = headline(scen)
    rows = [
        *_target_rows(results, table, contenders, head),
        *_adapter_rows(table, contenders, head, largest(scen, "tool")),
        *_ttft_rows(results, contenders),
        *_concurrency_rows(results, contenders),
        *_reuse_rows(results, contenders),
    ]
    return _table(head, rows, results)


def _cell(table: Table, contenders: dict[str, Any], head: str, name: str, key: str) -> Any:
    return lambda api: (derived(table, contenders, api, head, name) or {}).get(key)


def _target_rows(
    results: dict[str, Any], table: Table, contenders: dict[str, Any], head: str
) -> list[Row]:
    """The core against the floor, the adapters against their peers, and against before."""
    rows: list[Row] = []
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
                _cell(table, contenders, head, std, "x_floor"),
            )
        )
        rows.append(
            (
                f"{label} CPU per chunk vs floor, {fast}",
                "≤ 0.85x",
                _cell(table, contenders, head, default, "x_floor"),
            )
        )
    for name, label, peer in (
        ("lc", "ChatLemonData.stream", "ChatOpenAI / ChatAnthropic / ChatGoogleGenerativeAI"),
        ("alc", "ChatLemonData.astream", "ChatOpenAI / ChatAnthropic / ChatGoogleGenerativeAI"),
        ("li", "LemonData.stream_chat", "llama-index OpenAI / Anthropic / GoogleGenAI"),
        ("ali", "LemonData.astream_chat", "llama-index OpenAI / Anthropic / GoogleGenAI"),
    ):
        cell = _cell(table, contenders, head, name, "x_peer_wall")
        rows.append((f"{label}: wall vs {peer}", "≤ 0.33x", cell))
    baseline = results.get("baseline")
    if baseline:
        measured = {k[2] for k in table if k[1] == head}
        for name, before in BASELINE_OF.items():
            if name in measured and before in measured:
                label = f"{contenders[name].label}: CPU per stream vs before ({baseline['ref']})"
                rows.append(
                    (label, "< 1: faster", _cell(table, contenders, head, name, "x_before"))
                )
    return rows


def _adapter_rows(
    table: Table, contenders: dict[str, Any], head: str, tool: str | None
) -> list[Row]:
    """Each adapter against core + framework floor, on the headline and the tool stream."""
    rows: list[Row] = []
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
    return rows


def _ttft_rows(results: dict[str, Any], contenders: dict[str, Any]) -> list[Row]:
    ttft = stream_table(results, "ttft")
    rows: list[Row] = []
    if not ttft:
        return rows
    for name in ("core", "acore"):
        floor = "afloor" if name == "acore" else "floor"

        def delta(api: str, name: str = name, floor: str = floor) -> Any:
            a, b = ttft.get((api, "ttft", name)), ttft.get((api, "ttft", floor))
            return a and b and (a["ttft"] - b["ttft"]) * 1e3

        rows.append((f"TTFT {contenders[name].label.split()[1]} − floor (ms)", "≤ 1", delta))
    return rows


def _concurrency_rows(results: dict[str, Any], contenders: dict[str, Any]) -> list[Row]:
    conc = results.get("concurrency") or {}
    rows: list[Row] = []
    for name in ("acore", "alc", "ali"):
        if conc.get("samples"):

            def cratio(api: str, name: str = name) -> Any:
                s = conc["samples"].get(f"{api}|{name}")
                p = conc["samples"].get(f"{api}|{peer_of(contenders[name], api)}")
                return s and p and med(s) / med(p)

            n, c = conc["streams"], conc["chunks"]
            label = contenders[name].label
            rows.append((f"{n} concurrent x {c} chunks: {label} vs peer", "≤ 0.33x", cratio))
    return rows


def _reuse_rows(results: dict[str, Any], contenders: dict[str, Any]) -> list[Row]:
    reuse = (results.get("reuse") or {}).get("new_connections") or {}
    rows: list[Row] = []
    if not reuse:
        return rows
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
    return rows


def _table(head: str, rows: list[Row], results: dict[str, Any]) -> list[str]:
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
