"""The PNG chart: one panel per figure (µs per chunk, adapters against their floor, TTFT,
imports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..contenders import ADAPTER_FLOORS, APIS
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

COLORS = {
    "floor": "#888888",
    "ours": "#e0b000",
    "peer": "#4a72b0",
    "framework": "#7fb07f",
    "baseline": "#c07050",
}
WIDTH = 0.84 / len(APIS)
ALPHAS = [0.35 + 0.65 * i / max(1, len(APIS) - 1) for i in range(len(APIS))]
ORDER = ", ".join(APIS)


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
    head = headline(scen)
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
    axes = list(axes[0])
    _per_chunk(axes.pop(0), table, contenders, names, head)
    if cells:
        _against_floor(axes.pop(0), table, contenders, cells)
    if ttft:
        _ttft(axes.pop(0), ttft, contenders, names)
    if imports:
        _imports(axes.pop(0), imports)
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


def _per_chunk(
    ax: Any, table: Table, contenders: dict[str, Any], names: list[str], head: str
) -> None:
    y = range(len(names))
    for i, api in enumerate(APIS):
        vals = [
            (derived(table, contenders, api, head, n) or {}).get("us_chunk") or 0 for n in names
        ]
        ax.barh(
            [v + (i - (len(APIS) - 1) / 2) * WIDTH for v in y],
            vals,
            height=WIDTH * 0.95,
            color=[COLORS.get(contenders[n].group, "#444444") for n in names],
            alpha=ALPHAS[i],
        )
    ax.set_yticks(list(y), [contenders[n].label for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("client CPU µs per chunk, lower is better")
    ax.set_title(f"{head}: bars per contender are {ORDER} (light to dark)", fontsize=9)


def _against_floor(
    ax: Any, table: Table, contenders: dict[str, Any], cells: list[tuple[str, str]]
) -> None:
    figs = [against_floor(table, contenders, "responses", sc, n) or {} for n, sc in cells]
    y = range(len(cells))
    core = [f.get("core_us_chunk") or 0 for f in figs]
    fw = [f.get("framework_us_chunk") or 0 for f in figs]
    ax.barh([v - 0.27 for v in y], core, height=0.26, color=COLORS["floor"], label="core")
    ax.barh(
        [v - 0.27 for v in y],
        fw,
        left=core,
        height=0.26,
        color=COLORS["framework"],
        label="+ framework floor",
    )
    ax.barh(
        list(y),
        [f.get("zip_us_chunk") or 0 for f in figs],
        height=0.26,
        color=COLORS["framework"],
        alpha=0.5,
        label="core ∥ floor, zipped",
    )
    ax.barh(
        [v + 0.27 for v in y],
        [f.get("ours_us_chunk") or 0 for f in figs],
        height=0.26,
        color=COLORS["ours"],
        label="adapter (ours)",
    )
    ax.set_yticks(list(y), [f"{contenders[n].label} · {sc}" for n, sc in cells], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(right=ax.get_xlim()[1] * 1.4)  # room for the legend
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("client CPU µs per chunk, responses API")
    ax.set_title("adapters against core + framework floor", fontsize=9)


def _ttft(ax: Any, ttft: Table, contenders: dict[str, Any], names: list[str]) -> None:
    tn = [n for n in names if any(k[2] == n for k in ttft)]
    for i, api in enumerate(APIS):
        vals = [(ttft.get((api, "ttft", n)) or {}).get("ttft", 0) * 1e3 for n in tn]
        ax.barh(
            [v + (i - (len(APIS) - 1) / 2) * WIDTH for v in range(len(tn))],
            vals,
            height=WIDTH * 0.95,
            color=[COLORS.get(contenders[n].group, "#444444") for n in tn],
            alpha=ALPHAS[i],
        )
    ax.set_yticks(list(range(len(tn))), [contenders[n].label for n in tn], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms to first content chunk")
    ax.set_title(f"time to first token ({ORDER}, light to dark)", fontsize=9)


def _imports(ax: Any, imports: dict[str, list[float]]) -> None:
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
