"""The fidelity report: the markdown ``python -m bench.fidelity`` writes, from its cells."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .fidelity import Cell, _tokens
from .fidelity_truth import API_NAMES, APIS, Truth


def _yn(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _ok(c: Cell) -> bool:
    return c.text_ok and c.reasoning_ok and c.calls_ok and c.usage_ok and c.error_ok


def _totals(cells: list[Cell]) -> list[str]:
    lines = [
        "| contender | text | reasoning | tool calls | usage | errors typed "
        "| crashed on a valid stream | all five |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in dict.fromkeys(c.contender for c in cells):
        mine = [c for c in cells if c.contender == name]
        errs = [c for c in mine if c.truth.error]
        n = len(mine)
        lines.append(
            f"| {name} | {sum(c.text_ok for c in mine)}/{n} "
            f"| {sum(c.reasoning_ok for c in mine)}/{n} | {sum(c.calls_ok for c in mine)}/{n} "
            f"| {sum(c.usage_ok for c in mine)}/{n} "
            f"| {sum(c.error_ok for c in errs)}/{len(errs)} "
            f"| {sum(c.got.error is not None and not c.truth.error for c in mine)} "
            f"| {sum(_ok(c) for c in mine)}/{n} |"
        )
    return lines


def _by_api(cells: list[Cell]) -> list[tuple[str, list[Cell]]]:
    """``cells`` grouped by API, in :data:`APIS` order (APIs with no cell left out)."""
    return [
        (api, [c for c in cells if c.api == api])
        for api in APIS
        if any(c.api == api for c in cells)
    ]


def _channels(cells: list[Cell]) -> list[str]:
    """Totals counted only over recordings that have the channel (truth non-empty)."""
    lines = [
        "| contender | text | reasoning | tool calls | usage |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in dict.fromkeys(c.contender for c in cells):
        mine = [c for c in cells if c.contender == name]
        counts: list[str] = []
        has: Callable[[Truth], bool]
        for attr, has in (
            ("text_ok", lambda t: bool(t.text or t.refusal)),
            ("reasoning_ok", lambda t: bool(t.reasoning)),
            ("calls_ok", lambda t: bool(t.calls)),
            ("usage_ok", lambda t: t.usage is not None),
        ):
            sub = [c for c in mine if has(c.truth)]
            counts.append(f"{sum(getattr(c, attr) for c in sub)}/{len(sub)}")
        lines.append(f"| {name} | " + " | ".join(counts) + " |")
    return lines


def _per_recording(cells: list[Cell]) -> list[str]:
    names = list(dict.fromkeys(c.contender for c in cells))
    lines = [
        "| recording | truth | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for f in dict.fromkeys(c.file for c in cells):
        row = {c.contender: c for c in cells if c.file == f}
        t = next(iter(row.values())).truth
        tr = f"{len(t.text)}/{len(t.reasoning)}c, {len(t.calls)} calls, " + (
            f"u={t.usage[0]}/{t.usage[1]}" if t.usage else "no usage"
        )
        if t.refusal:
            tr += f", refusal {len(t.refusal)}"
        if t.error:
            tr += ", ERROR"
        marks = []
        for name in names:
            c = row.get(name)
            if c is None:
                marks.append("")
                continue
            marks.append(
                "".join(
                    "·" if ok else letter
                    for ok, letter in (
                        (c.text_ok, "T"),
                        (c.reasoning_ok, "R"),
                        (c.calls_ok, "C"),
                        (c.usage_ok, "U"),
                        (c.error_ok, "E"),
                    )
                )
            )
        lines.append(f"| `{f.removesuffix('.body')}` | {tr} | " + " | ".join(marks) + " |")
    return lines


def report(
    cells: list[Cell],
    checks: list[tuple[str, bool, str]],
    probe: dict[str, Any],
    fragmented: list[Cell] | None = None,
) -> str:
    """The markdown report (``fragmented``: the same run with random 1-64 byte chunks)."""
    groups = _by_api(cells)
    lines = _intro(cells, groups)
    if fragmented is not None:
        lines += _fragmentation(cells, fragmented)
    lines += ["", "## Findings (computed from this run)"]
    for api, group in groups:
        lines += ["", f"### {API_NAMES[api]}", ""]
        lines += [f"- {f}" for f in findings(group)]
    lines += _probes(probe)
    lines += _cross_check(checks)
    lines += [
        "",
        "## Per recording",
        "",
        "Cells: T text, R reasoning, C tool calls, U usage, E error handling "
        "(typed error when the truth is an error, no exception otherwise); "
        "`·` = matches, letter = differs. Truth column: text/reasoning chars, calls, usage.",
    ]
    for api, group in groups:
        lines += ["", f"### {API_NAMES[api]}", "", *_per_recording(group)]
    lines += ["", "## Differences in detail", ""]
    lines += [line for c in cells if (line := _difference(c))]
    return "\n".join(lines) + "\n"


def _intro(cells: list[Cell], groups: list[tuple[str, list[Cell]]]) -> list[str]:
    """What was compared and how, then the totals per API."""
    counts = ", ".join(f"{len({c.file for c in g})} {API_NAMES[api]}" for api, g in groups)
    n_rec = len({c.file for c in cells})
    lines = [
        "# Fidelity: what each contender delivers, on real recorded streams",
        "",
        f"{n_rec} streaming HTTP 200 recordings ({counts}) from `tests/recordings/wire`, "
        "`tests/recordings/messages/wire` and `tests/recordings/gemini/wire`, served "
        "verbatim from 127.0.0.1 (one HTTP chunk per SSE frame), each to the contenders of "
        "its API: ChatOpenAI and llama-index OpenAI/OpenAIResponses on Chat Completions and "
        "Responses, ChatAnthropic and llama-index Anthropic on Messages, "
        "ChatGoogleGenerativeAI and llama-index GoogleGenAI on Gemini, ours on all four. "
        "Truth = the core parser's result (`StreamParser`; on Gemini, usage counts input = "
        "prompt + tool-use prompt and output = candidates + thoughts). Generated by "
        "`python -m bench.fidelity`.",
        "",
        "## Totals per API (recordings where the contender matches the truth)",
        "",
        "Matching rules: text = the streamed deltas and the final message both equal the "
        "truth's text (choice 0 when a stream carries `n` choices); a refusal must arrive "
        "either in a refusal field or, where the framework has none (LlamaIndex), as the "
        "text. Reasoning (Messages: the thinking blocks' text) may differ only in the "
        "whitespace that joins several summary parts. Tool calls: the same (name, parsed "
        "arguments) list, in order; a call whose arguments do not parse (cut by the output "
        "limit) counts as right when it is marked invalid or withheld, wrong when it is "
        "handed over as a call to run. Usage: input and output tokens equal the stream's (for "
        "a stream that fails after reporting usage, usage kept on the raised error counts). "
        "Errors: the in-stream error recordings must raise the library's documented API "
        "error class (openai or anthropic `APIError`, or our `LemonDataError`), not a stray "
        "exception or nothing.",
        "",
        "Caveat: the truth is our own core parser, so for our adapters this measures the "
        "adapters' fidelity to the core, and the core's reading is checked separately "
        "(cross-check below, `tests/core/wire/test_recordings.py` and "
        "`tests/core/wire/test_anthropic_messages_recordings.py`). Where a peer differs, "
        "the detail list says exactly what it delivered, so a reader can judge the "
        "semantics (e.g. `n` choices, refusal channel, what counts as input tokens) independently.",
    ]
    for api, group in groups:
        n = len({c.file for c in group})
        lines += ["", f"### {API_NAMES[api]} ({n} recordings)", "", *_totals(group), ""]
        lines += [
            "Same, counted only over recordings that have the channel (truth non-empty):",
            "",
            *_channels(group),
        ]
    return lines


def _fragmentation(cells: list[Cell], fragmented: list[Cell]) -> list[str]:
    """The totals again under random fragmentation, and every verdict that changed."""
    lines: list[str] = []
    lines += [
        "",
        "## The same under random fragmentation",
        "",
        "Every body cut at seeded random offsets 1 to 64 bytes apart (SSE frames, JSON "
        "and UTF-8 characters split across HTTP chunks):",
    ]
    for api, group in _by_api(fragmented):
        lines += ["", f"### {API_NAMES[api]}", "", *_totals(group)]
    before = {(c.file, c.contender): c for c in cells}
    changed = [
        c for c in fragmented if (k := before.get((c.file, c.contender))) and _ok(k) != _ok(c)
    ]
    lines.append("")
    lines += [
        f"- `{c.file.removesuffix('.body')}` — {c.contender}: "
        f"{'now matches' if _ok(c) else 'now differs'} ({'; '.join(c.notes)})"
        for c in changed
    ] or ["No verdict changed against one chunk per frame."]
    return lines


def _probes(probe: dict[str, Any]) -> list[str]:
    """The behaviour probes' tables."""
    lines = ["", "## Behaviour probes", ""]
    for title, findings_ in probe.items():
        lines += [f"**{title}**", "", "| contender | result |", "|---|---|"]
        lines += [f"| {n} | {r} |" for n, r in findings_]
        lines.append("")
    return lines


def _cross_check(checks: list[tuple[str, bool, str]]) -> list[str]:
    """The parser's result against a naive reading of each recording."""
    lines = [
        "## Ground-truth cross-check",
        "",
        "The parser's result against a naive independent reading of the raw bytes "
        "(chat: `choices[0].delta`; responses: the terminal object's `output`; messages: "
        "the deltas of each block and the last counts of `message_start` / `message_delta`):",
        "",
    ]
    lines += [f"- `{f}`: {'agrees' if ok else 'DIFFERS in ' + d}" for f, ok, d in checks]
    return lines


def _difference(c: Cell) -> str | None:
    """One cell's line of the detail list (``None`` when it matches without notes)."""
    bad = [
        k
        for k, ok in (
            ("text", c.text_ok),
            ("reasoning", c.reasoning_ok),
            ("calls", c.calls_ok),
            ("usage", c.usage_ok),
            ("error", c.error_ok),
        )
        if not ok
    ]
    if not bad and not c.notes:
        return None
    g, t = c.got, c.truth
    detail = []
    if "text" in bad and len(g.text) != len(t.text):
        detail.append(f"text {len(g.text)} vs {len(t.text)} chars")
    if "reasoning" in bad:
        detail.append(f"reasoning {len(g.reasoning)} vs {len(t.reasoning)} chars")
    if "calls" in bad:
        detail.append(f"calls {_calls_str(g.calls)} vs {_calls_str(t.calls)}")
    if "usage" in bad:
        detail.append(f"usage {g.usage} vs {t.usage}")
    detail += c.notes
    return f"- `{c.file.removesuffix('.body')}` — {c.contender}: " + "; ".join(detail)


def _short(files: list[str]) -> str:
    return ", ".join(f"`{f.removesuffix('.body')}`" for f in files)


def findings(cells: list[Cell]) -> list[str]:
    """Short notes, each derived from the cells (nothing here is written by hand)."""
    out = []
    for name in dict.fromkeys(c.contender for c in cells):
        mine = [c for c in cells if c.contender == name]
        out += _usage_findings(name, mine)
        out += _delivery_findings(name, mine)
        out += _error_findings(name, mine)
    return out


def _usage_findings(name: str, mine: list[Cell]) -> list[str]:
    """Reasoning dropped, and token counts too many, too few or missing."""
    out: list[str] = []
    lost = [c.file for c in mine if c.truth.reasoning and not c.got.reasoning]
    if lost:
        out.append(f"{name} drops the reasoning entirely on {len(lost)}: {_short(lost)}.")
    wrong = [
        c
        for c in mine
        if c.truth.usage and c.got.usage and c.got.usage[0] and c.got.usage != c.truth.usage
    ]
    more = [c.file for c in wrong if _tokens(c.got.usage) > _tokens(c.truth.usage)]
    if more:
        out.append(
            f"{name} reports more tokens than the stream's usage on {len(more)} (usage sent"
            f" more than once or cumulatively, added up): {_short(more)}."
        )
    fewer_tokens = [c.file for c in wrong if _tokens(c.got.usage) <= _tokens(c.truth.usage)]
    if fewer_tokens:
        out.append(
            f"{name} reports fewer tokens than the stream's usage on {len(fewer_tokens)}"
            f" (a count left out, such as cached input): {_short(fewer_tokens)}."
        )
    missing = [c.file for c in mine if c.truth.usage and not c.got.usage and not c.usage_ok]
    if missing:
        out.append(f"{name} delivers no usage although the stream has it: {_short(missing)}.")
    return out


def _delivery_findings(name: str, mine: list[Cell]) -> list[str]:
    """Calls lost, choices run together, refusals lost, crashes, a final message that differs."""
    out: list[str] = []
    fewer = [c.file for c in mine if not c.calls_ok and len(c.got.calls) < len(c.truth.calls)]
    if fewer:
        out.append(f"{name} loses tool calls on {_short(fewer)}.")
    longer = [c.file for c in mine if len(c.got.text) > len(c.truth.text + c.truth.refusal)]
    if longer:
        out.append(
            f"{name} delivers more text than choice 0 on {_short(longer)} "
            "(all `n` choices run together into one message)."
        )
    refusal = [c.file for c in mine if "refusal lost" in c.notes]
    if refusal:
        out.append(f"{name} loses the refusal on {_short(refusal)}.")
    crashed = [c for c in mine if c.got.error is not None and not c.truth.error]
    for c in crashed:
        out.append(
            f"{name} raises {type(c.got.error).__name__} on the valid stream "
            f"`{c.file.removesuffix('.body')}`: {str(c.got.error)[:80]}"
        )
    final = [c.file for c in mine if any(n.startswith("final text") for n in c.notes)]
    if final:
        out.append(
            f"{name}'s last streamed message differs from the streamed deltas on {_short(final)}."
        )
    return out


def _error_findings(name: str, mine: list[Cell]) -> list[str]:
    """In-stream errors raised as typed errors (usage kept), and a clean bill for ours."""
    out: list[str] = []
    errs = [c for c in mine if c.truth.error]
    if errs:
        typed = sum(c.error_ok for c in errs)
        with_usage = [c for c in errs if c.truth.usage]
        kept = sum(
            c.got.usage == c.truth.usage or c.got.partial_usage == c.truth.usage for c in with_usage
        )
        out.append(
            f"{name}: {typed}/{len(errs)} in-stream errors raised as typed errors; of the "
            f"{len(with_usage)} whose stream carried usage, {kept} keep it "
            "(in the stream or on the error)."
        )
    if name.endswith("(ours)"):
        short = [c for c in mine if not (c.text_ok and c.reasoning_ok and c.calls_ok)]
        short += [c for c in mine if not (c.usage_ok and c.error_ok) and c not in short]
        if not short:
            out.append(f"{name}: matches the truth on every recording.")
    return out


def _calls_str(calls: list[tuple[str, Any]]) -> str:
    s = ", ".join(f"{n}({json.dumps(a, sort_keys=True)[:40]})" for n, a in calls)
    return f"[{s}]"
