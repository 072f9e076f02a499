"""The figures a report is made of: medians per cell, per-chunk costs and ratios."""

from __future__ import annotations

import statistics
from typing import Any

from ..contenders import ADAPTER_FLOORS, APIS, BASELINE_OF, peer_of

Table = dict[tuple[str, str, str], Any]


def med(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


def stream_table(results: dict[str, Any], section: str) -> Table:
    """``(api, scenario, contender) -> {wall, cpu, ttft, chunks}`` medians."""
    out: Table = {}
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
    table: Table,
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
    table: Table,
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


def scenarios_of(table: Table) -> list[str]:
    """The scenarios measured, shortest first."""

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


def headline(scenarios: list[str]) -> str:
    """The headline scenario: the longest text stream measured (else the last scenario)."""
    return max(
        (s for s in scenarios if s.startswith("text")),
        key=lambda s: int(s[5:]),
        default=scenarios[-1],
    )


def fmt(x: float | None, digits: int = 1) -> str:
    """A figure for a table cell (``–`` when not measured)."""
    return "–" if x is None else f"{x:,.{digits}f}"


def ratio(x: float | None) -> str:
    """A ratio for a table cell (``–`` when not measured)."""
    return "–" if x is None else f"{x:.2f}x"
