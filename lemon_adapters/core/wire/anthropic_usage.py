"""Anthropic Messages ``usage`` -> the normalized :class:`~lemon_adapters.core.events.Usage`
(pure): the three input counts added up, and usage as billed when the wire lists
``iterations`` (see :func:`usage_from_messages`)."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.events import Usage, UsageIteration
from lemon_adapters.core.wire.fields import Counts
from lemon_adapters.core.wire.fields import text as wire_text


def usage_from_messages(usage: Any, model: str | None = None) -> Usage | None:
    """Normalize a Messages ``usage`` object (``None`` when absent).

    ``input_tokens`` is the total the other APIs report: the uncached input plus the tokens
    written to and read from the prompt cache (Anthropic reports the three apart). With
    ``iterations``, the totals are the sum over this model's (``model``: the answering
    model; an iteration without a model is this model's) and the others are kept apart.
    """
    if not isinstance(usage, dict) or not usage:
        return None
    counts = Counts()
    own = _usage_counts(usage, counts)
    raw_iterations = usage.get("iterations")
    if not isinstance(raw_iterations, list) or not raw_iterations:
        return own
    iterations: list[UsageIteration] = []
    mine: list[Usage] = []
    others: dict[str, list[Usage]] = {}
    for n, item in enumerate(raw_iterations):
        if not isinstance(item, dict):
            counts.invalid.append(f"iterations[{n}]")
            continue
        one = _usage_counts(item, Counts())
        other = wire_text(item.get("model"), "usage.iterations[].model")
        kind = wire_text(item.get("type"), "usage.iterations[].type") or "message"
        iterations.append(UsageIteration(type=kind, model=other, usage=one))
        if other is None or other == model:
            mine.append(one)
        else:
            others.setdefault(other, []).append(one)
    total = _sum(mine) if mine else own
    return Usage(
        input_tokens=total.input_tokens,
        output_tokens=total.output_tokens,
        total_tokens=total.total_tokens,
        cached_tokens=total.cached_tokens,
        reasoning_tokens=own.reasoning_tokens,
        cache_creation_tokens=total.cache_creation_tokens,
        invalid_counts=tuple(counts.invalid),
        iterations=tuple(iterations),
        other_models={name: _sum(parts) for name, parts in others.items()},
    )


def _usage_counts(usage: dict[str, Any], counts: Counts) -> Usage:
    written = counts.get(usage, "cache_creation_input_tokens")
    read = counts.get(usage, "cache_read_input_tokens")
    inp = (counts.get(usage, "input_tokens") or 0) + (written or 0) + (read or 0)
    outp = counts.get(usage, "output_tokens") or 0
    details = counts.details(usage, "output_tokens_details")
    reasoning = counts.get(details, "thinking_tokens", "output_tokens_details.")
    if reasoning is None:
        reasoning = counts.get(details, "reasoning_tokens", "output_tokens_details.")
    if reasoning is None:
        reasoning = counts.get(usage, "reasoning_tokens")
    return Usage(
        input_tokens=inp,
        output_tokens=outp,
        total_tokens=inp + outp,
        cached_tokens=read,
        reasoning_tokens=reasoning,
        cache_creation_tokens=written,
        invalid_counts=tuple(counts.invalid),
    )


def _sum(parts: list[Usage]) -> Usage:
    def total(name: str) -> int | None:
        values = [getattr(p, name) for p in parts if getattr(p, name) is not None]
        return sum(values) if values else None

    inp = sum(p.input_tokens for p in parts)
    outp = sum(p.output_tokens for p in parts)
    return Usage(
        input_tokens=inp,
        output_tokens=outp,
        total_tokens=inp + outp,
        cached_tokens=total("cached_tokens"),
        reasoning_tokens=total("reasoning_tokens"),
        cache_creation_tokens=total("cache_creation_tokens"),
    )
