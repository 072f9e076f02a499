"""A seeded fuzzer over the recorded streams: hostile bytes must become typed errors.

Each case takes a real recorded stream (``tests/recordings``) and mutates it: a JSON value
retyped at any depth (a string, a number, a negative or huge number, a boolean, null, a
list, an object, deep nesting, a lone surrogate), a key deleted, events reordered or
duplicated, the body truncated, bytes flipped, a flood of events or keep-alives, a data line
nested past the JSON parser's limit. The case is parsed whole and in random chunks, and, for
a share of the cases, streamed through the sync and the async client from an in-memory
transport. What must hold:

* only :class:`~lemon_adapters.LemonDataError` escapes, and each one carries ``partial``;
* every event that the stream's intact prefix produces is delivered, unchanged, before any
  failure (nothing that arrived intact is lost);
* a truncated stream delivers a prefix of what the whole stream delivers;
* results hold what their types say (text is text, counts are ints).

``python -m tests.core.wire.fuzz --minutes 10`` runs it for a while (``python3 tasks.py fuzz``);
``tests/test_fuzz.py`` runs a fixed number of cases in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from lemon_adapters import (
    AsyncLemonDataClient,
    LemonDataClient,
    LemonDataError,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.core.wire.parser import StreamParser
from tests.conftest import RECORDINGS

DELTAS = (TextDelta, ReasoningDelta, RefusalDelta, ToolCallDelta)


@dataclass(frozen=True)
class Source:
    """One recorded stream: its API and bytes."""

    name: str
    api: str
    body: bytes


def sources() -> list[Source]:
    """Every streamed HTTP 200 recording, both folders."""
    out = []
    for subset in ("wire", "messages/wire"):
        index = json.loads((RECORDINGS / subset / "index.json").read_text())
        for entry in index:
            if entry.get("stream") and entry["status"] == 200:
                body = (RECORDINGS / subset / entry["file"]).read_bytes()
                out.append(Source(entry["file"], entry["api"], body))
    return out


@dataclass(frozen=True)
class Case:
    """A mutated stream. ``intact`` is how many of the source's SSE blocks are untouched at
    the start (their events must come through); ``truncated`` marks a cut body."""

    source: Source
    mutation: str
    body: bytes
    intact: int
    truncated: bool = False
    seed: int = 0


# -- mutations ------------------------------------------------------------------------------------


def blocks(body: bytes) -> list[bytes]:
    """The SSE blocks of a body (each ends with its blank line)."""
    parts = body.replace(b"\r\n", b"\n").split(b"\n\n")
    out = [p + b"\n\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


#: Hostile values, as raw JSON text (some cannot be written by ``json.dumps``: NaN, 1e400
#: as a number, a lone surrogate escape, nesting past the encoder's recursion limit).
_HOSTILE = [
    '""', '"x"', '"30"', '"-1"', '"1e400"', '"\\ud800"', '"a\\udfffb"', "null",
    "0", "-5", "7", str(2**70), str(-(2**63)), "1e400", "-1e400", "1.5", "-0.0", "NaN",
    "true", "false", "[]", "[null]", '[1, "a"]', "[[[]]]", "{}", '{"a": 1}',
    '{"type": "error"}',
]  # fmt: skip


def _hostile(rng: random.Random) -> str:
    if rng.random() < 0.1:
        depth = rng.choice([100, 990, 3000])
        return "[" * depth + "1" + "]" * depth
    return rng.choice(_HOSTILE)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (object keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:8]):
            out += _paths(item, (*prefix, i))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    for key in path[:-1]:
        obj = obj[key]
    if delete and isinstance(obj, dict):
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


def _json_lines(block: bytes) -> list[int]:
    return [i for i, line in enumerate(block.split(b"\n")) if line.startswith(b"data: {")]


#: Mutation kinds, retyping weighted up: it is where the mappers meet the most variety.
KINDS = ["retype"] * 3 + ["delete", "reorder", "duplicate", "truncate", "flip"]
KINDS += ["flood", "deep", "keepalives"]


def mutate(source: Source, rng: random.Random) -> Case:
    """One random mutation of ``source``."""
    parts = blocks(source.body)
    kind = rng.choice(KINDS)
    candidates = [i for i, b in enumerate(parts) if _json_lines(b)]
    if kind in ("retype", "delete") and candidates:
        k = rng.choice(candidates)
        lines = parts[k].split(b"\n")
        at = rng.choice(_json_lines(parts[k]))
        try:
            obj = json.loads(lines[at][6:])
        except ValueError:
            return Case(source, "identity", source.body, len(parts))
        paths = _paths(obj)
        if not paths:
            return Case(source, "identity", source.body, len(parts))
        path = rng.choice(paths)
        if kind == "retype":
            _set(obj, path, "\x00hostile\x00")
            text = json.dumps(obj).replace(json.dumps("\x00hostile\x00"), _hostile(rng))
        else:
            _set(obj, path, None, delete=True)
            text = json.dumps(obj)
        lines[at] = b"data: " + text.encode()
        parts[k] = b"\n".join(lines)
        return Case(source, f"{kind} {'.'.join(map(str, path))}", b"".join(parts), k)
    if kind == "reorder" and len(parts) > 2:
        i, j = sorted(rng.sample(range(len(parts)), 2))
        parts[i], parts[j] = parts[j], parts[i]
        return Case(source, f"swap {i}<->{j}", b"".join(parts), i)
    if kind == "duplicate" and parts:
        i = rng.randrange(len(parts))
        return Case(source, f"duplicate {i}", b"".join([*parts[: i + 1], *parts[i:]]), i + 1)
    if kind == "truncate":
        cut = rng.randrange(len(source.body) + 1)
        prefix = source.body[:cut]
        # The last block of the prefix may be cut mid-way; an empty prefix has no blocks.
        intact = max(len(blocks(prefix)) - 1, 0)
        return Case(source, f"truncate {cut}", prefix, intact, truncated=True)
    if kind == "flip":
        data = bytearray(source.body)
        at = rng.randrange(len(data)) if data else 0
        if data:
            data[at] = rng.randrange(256)
        intact = len(blocks(bytes(data[:at]))) - 1
        return Case(source, f"flip {at}", bytes(data), max(intact, 0))
    if kind == "flood" and parts:
        i = rng.randrange(len(parts))
        return Case(source, f"flood {i}", b"".join([*parts[:i], parts[i] * 2000, *parts[i:]]), i)
    if kind == "deep":
        i = rng.randrange(len(parts) + 1)
        deep = b"data: " + b"[" * rng.choice([990, 5000, 100_000]) + b"\n\n"
        return Case(source, f"deep at {i}", b"".join([*parts[:i], deep, *parts[i:]]), i)
    if kind == "keepalives":
        i = rng.randrange(len(parts) + 1)
        noise = b":\n\n" * 5000 + b"data:\n\n" * 100
        return Case(source, f"keep-alives at {i}", b"".join([*parts[:i], noise, *parts[i:]]), i)
    return Case(source, "identity", source.body, len(parts))


# -- checks ---------------------------------------------------------------------------------------


class Violation(AssertionError):
    """A broken promise, with the case that shows it."""


def _reading(api: str, chunks: list[bytes]) -> tuple[list[StreamEvent], StreamParser]:
    parser = StreamParser(api)  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return events, parser


def _prefix_events(source: Source, intact: int) -> list[StreamEvent]:
    """The events the source's first ``intact`` blocks produce, fed one block at a time."""
    parser = StreamParser(source.api)  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    for block in blocks(source.body)[:intact]:
        events += parser.feed(block)
    return [e for e in events if isinstance(e, DELTAS)]


def _check_result(result: StreamResult, where: str) -> None:
    for name in ("text", "reasoning", "refusal"):
        value = getattr(result, name)
        if type(value) is not str:
            raise Violation(f"{where}: result.{name} is {type(value).__name__}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Violation(f"{where}: result.{name} holds a lone surrogate") from exc
    for call in result.tool_calls:
        for name in ("id", "name"):
            value = getattr(call, name)
            if value is not None and type(value) is not str:
                raise Violation(f"{where}: a tool call {name} is {type(value).__name__}")
    for name in ("response_id", "model", "raw_finish_reason"):
        value = getattr(result, name)
        if value is not None and type(value) is not str:
            raise Violation(f"{where}: result.{name} is {type(value).__name__}")
    usage = result.usage
    if usage is not None:
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            value = getattr(usage, name)
            if type(value) is not int or value < 0:
                raise Violation(f"{where}: usage.{name} is {value!r}")
        for name in ("cached_tokens", "reasoning_tokens", "cache_creation_tokens"):
            value = getattr(usage, name)
            if value is not None and (type(value) is not int or value < 0):
                raise Violation(f"{where}: usage.{name} is {value!r}")


def check_parser(case: Case, rng: random.Random) -> str:
    """Parse ``case`` whole and in random chunks; return the outcome's name."""
    outcomes = []
    for label, chunks in (("whole", [case.body]), ("chunks", _split(case.body, rng))):
        where = f"{case.source.name} [{case.mutation}] {label}"
        try:
            events, parser = _reading(case.source.api, chunks)
        except LemonDataError as exc:  # the parser must never raise: it sets failure
            raise Violation(f"{where}: the parser raised {exc!r}") from exc
        except Exception as exc:
            raise Violation(f"{where}: {type(exc).__name__}: {exc}") from exc
        _check_result(parser.result, where)
        if parser.failure is not None and parser.failure.partial is None:
            raise Violation(f"{where}: {type(parser.failure).__name__} without partial")
        deltas = [e for e in events if isinstance(e, DELTAS)]
        expected = _prefix_events(case.source, case.intact)
        if deltas[: len(expected)] != expected:
            raise Violation(f"{where}: events of the intact prefix were lost or changed")
        if case.truncated:
            whole = [e for e in _reading(case.source.api, [case.source.body])[0]]
            whole_deltas = [e for e in whole if isinstance(e, DELTAS)]
            if deltas != whole_deltas[: len(deltas)]:
                raise Violation(f"{where}: a truncated stream is not a prefix of the whole")
        outcomes.append(type(parser.failure).__name__ if parser.failure else "ok")
    return outcomes[0]


def _split(body: bytes, rng: random.Random) -> list[bytes]:
    if len(body) < 2:  # a body truncated to nothing or one byte: nothing to cut
        return [body]
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 40))))
    return [body[a:b] for a, b in itertools.pairwise([0, *cuts, len(body)])]


def _transport(body: bytes, rng: random.Random, *, gzip_label: bool) -> dict[str, Any]:
    headers = {"content-type": "text/event-stream"}
    if gzip_label:
        headers["content-encoding"] = "gzip"  # labelled but not compressed
    chunks = _split(body, rng) if body else []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=_Chunks(chunks))

    return {"transport": httpx.MockTransport(handler)}


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Any:
        yield from self._chunks

    async def __aiter__(self) -> Any:
        for chunk in self._chunks:
            yield chunk


def check_clients(case: Case, rng: random.Random) -> str:
    """Stream ``case`` through the sync and the async client; return the outcome's name."""
    gzip_label = rng.random() < 0.1
    api = case.source.api
    kwargs = {"api_key": "sk-fuzz-0123456789", "base_url": "http://fuzz.test/v1", "max_retries": 0}
    where = f"{case.source.name} [{case.mutation}]{' gzip-label' if gzip_label else ''}"
    outcome = "ok"
    with httpx.Client(**_transport(case.body, rng, gzip_label=gzip_label)) as http:
        client = LemonDataClient(http_client=http, **kwargs)
        try:
            with client.stream(model="m", messages=[], api=api) as stream:
                for _ in stream:
                    pass
        except LemonDataError as exc:
            if exc.partial is None:
                raise Violation(f"{where} sync: {type(exc).__name__} without partial") from exc
            _check_result(exc.partial, where)
            outcome = type(exc).__name__
        except Exception as exc:
            raise Violation(f"{where} sync: {type(exc).__name__}: {exc}") from exc

    async def run_async() -> None:
        async with httpx.AsyncClient(**_transport(case.body, rng, gzip_label=gzip_label)) as ahttp:
            aclient = AsyncLemonDataClient(http_client=ahttp, **kwargs)
            try:
                async with aclient.stream(model="m", messages=[], api=api) as stream:
                    async for _ in stream:
                        pass
            except LemonDataError as exc:
                if exc.partial is None:
                    raise Violation(f"{where} async: {type(exc).__name__} without partial") from exc
                _check_result(exc.partial, where)
            except Exception as exc:
                raise Violation(f"{where} async: {type(exc).__name__}: {exc}") from exc

    asyncio.run(run_async())
    return outcome


def run(
    cases: int | None, *, seed: int, minutes: float | None, client_share: float
) -> Counter[str]:
    """Run ``cases`` cases (or for ``minutes``); raise the first :class:`Violation`."""
    rng = random.Random(seed)
    pool = sources()
    outcomes: Counter[str] = Counter()
    end = None if minutes is None else time.monotonic() + minutes * 60
    n = 0
    while (cases is None or n < cases) and (end is None or time.monotonic() < end):
        case_seed = rng.randrange(2**32)
        case_rng = random.Random(case_seed)
        case = mutate(case_rng.choice(pool), case_rng)
        try:
            outcomes[check_parser(case, case_rng)] += 1
            if case_rng.random() < client_share:
                outcomes["clients:" + check_clients(case, case_rng)] += 1
        except Violation as exc:
            raise Violation(f"case seed {case_seed}: {exc}") from exc
        n += 1
    outcomes["cases"] = n
    return outcomes


def main() -> None:
    """``python -m tests.core.wire.fuzz [--minutes M] [--seed S] [--cases N]``."""
    parser = argparse.ArgumentParser(description="Fuzz the parsers and clients.")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--client-share", type=float, default=0.1)
    args = parser.parse_args()
    started = time.monotonic()
    try:
        outcomes = run(
            args.cases, seed=args.seed, minutes=args.minutes, client_share=args.client_share
        )
    except Violation:
        traceback.print_exc()
        print(f"seed {args.seed}: a promise was broken (see above)", file=sys.stderr)
        sys.exit(1)
    print(
        f"seed {args.seed}: {outcomes.pop('cases')} cases in {time.monotonic() - started:.0f}s,"
        f" no exception outside LemonDataError, no lost event; outcomes {dict(outcomes)}"
    )


if __name__ == "__main__":
    main()
