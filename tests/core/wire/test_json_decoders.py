"""The JSON readers behind the stream parsers: msgspec (the ``fast`` extra) and the
standard library must give the same objects and the same errors, on every recorded data
line, on fuzzed ones and on the documents where the two libraries differ."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from lemon_adapters import MalformedStreamError
from lemon_adapters.core.wire import json_reader, sse
from lemon_adapters.core.wire.nesting import MAX_DEPTH, line_too_deep
from lemon_adapters.core.wire.parser import StreamParser
from tests.core.wire.fuzz import mutate, sources

pytest.importorskip("msgspec")

DECODERS = sorted(json_reader.JSON_DECODERS)


@pytest.fixture
def decoder() -> Iterator[None]:
    before = json_reader.json_decoder()
    yield
    json_reader.json_decoder(before)


def _read(name: str, data: str) -> tuple[str, Any]:
    if line_too_deep(data):
        # Refused before any reader sees it (core/wire/nesting.py); a reader alone would
        # answer by the caller's stack and the Python version (see the test below).
        return "error", MalformedStreamError
    json_reader.json_decoder(name)
    try:
        return "ok", json_reader.loads_json(data)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 and 1.0 and True differ), NaN equal
    to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _agree(data: str) -> None:
    results = {name: _read(name, data) for name in DECODERS}
    (kind_a, a), (kind_b, b) = results.values()
    assert kind_a == kind_b, (data[:200], results)
    assert a is b if kind_a == "error" else _same(a, b), (data[:200], results)


def _data_lines(body: bytes) -> Iterator[str]:
    for line in body.split(b"\n"):
        if line.startswith(b"data:"):
            text = line[5:].strip().decode("utf-8", "replace")
            if text and text != "[DONE]":
                yield text


def test_both_decoders_are_there() -> None:
    assert DECODERS == ["msgspec", "stdlib"]
    assert json_reader.json_decoder() == "msgspec"  # the default when the extra is installed


@pytest.mark.usefixtures("decoder")
def test_every_recorded_data_line_reads_the_same() -> None:
    lines = [line for source in sources() for line in _data_lines(source.body)]
    assert len(lines) > 1000
    for line in lines:
        _agree(line)


@pytest.mark.usefixtures("decoder")
@pytest.mark.parametrize(
    "data",
    [
        '{"a":"\\ud800"}',  # lone surrogate escape: msgspec refuses, stdlib reads it
        '{"a":"\\udc00x"}',
        '{"a":"\\ud83d\\ude00"}',  # a proper pair
        '{"a":NaN}',
        '{"a":-Infinity}',
        '{"a":1e400}',
        '{"a":1.7976931348623157e309}',
        '{"a":123456789012345678901234567890}',  # orjson would give a float
        '{"a":-9223372036854775809}',
        '{"a":18446744073709551616}',
        '{"a":123456789012345678901234567890.5}',
        '{"a":5e-324}',
        '{"a":2.2250738585072011e-308}',
        '{"a":-0}',
        '{"a":-0.0}',
        '{"a":1E2}',
        '{"a":1,"a":2}',  # the last duplicate wins in both
        ' \t{"a":1}\r\n',
        '{"a":"\\u0000"}',
        '{"a":"\x01"}',  # raw control character
        '{"a":"\t"}',
        '\ufeff{"a":1}',
        '{"a":01}',
        '{"a":[1,]}',
        "{'a':1}",
        '{"a":tru}',
        '{"a":"\\x"}',
        '{"a":"x"}garbage',
        '{"a":"x"} {"b":1}',
        "",
        "   ",
        "[" * 100 + "]" * 100,
        '{"a":' * 100 + "1" + "}" * 100,
        '{"a":"é\\u00e9€😀"}',
    ],
)
def test_documents_where_the_libraries_differ(data: str) -> None:
    _agree(data)


@pytest.mark.usefixtures("decoder")
@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 990, 5000, 100_000])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_deep_documents_get_the_same_answer_from_both_readers(depth: int, shape: str) -> None:
    """Past the nesting limit, a data line is refused before either reader sees it (a reader
    alone would answer by the caller's stack depth and the Python version)."""
    if shape == "array":
        inner = "[" * (depth - 1) + "]" * (depth - 1)
    else:
        inner = '{"a":' * (depth - 1) + "1" + "}" * (depth - 1)
    line = '{"x":' + inner + "}"
    answers = []
    for name in DECODERS:
        sse.json_decoder(name)
        try:
            answers.append(("ok", json.dumps(sse.loads_object(line, "test"))[:100]))
        except MalformedStreamError as exc:
            answers.append(("error", exc.message))
    assert answers[0] == answers[1]
    assert answers[0][0] == ("ok" if depth <= MAX_DEPTH else "error")


@pytest.mark.usefixtures("decoder")
def test_fuzzed_data_lines_read_the_same() -> None:
    rng = random.Random(20261202)
    all_sources = sources()
    checked = 0
    for _ in range(300):
        case = mutate(rng.choice(all_sources), rng)
        for line in _data_lines(case.body):
            _agree(line)
            checked += 1
    assert checked > 5000


@pytest.mark.usefixtures("decoder")
def test_every_recording_parses_to_the_same_result() -> None:
    for source in sources():
        results = []
        for name in DECODERS:
            json_reader.json_decoder(name)
            parser = StreamParser(source.api)  # type: ignore[arg-type]
            events = parser.feed(source.body) + parser.close()
            failure = parser.failure
            results.append((events, parser.result, type(failure), str(failure)))
        assert results[0] == results[1], source.name


@pytest.mark.usefixtures("decoder")
def test_unknown_decoder_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown JSON decoder 'orjson': available msgspec"):
        json_reader.json_decoder("orjson")
    assert json_reader.json_decoder() in DECODERS


@pytest.mark.parametrize(
    ("value", "chosen", "warned"),
    [("stdlib", "stdlib", False), ("msgspec", "msgspec", False), ("simdjson", "msgspec", True)],
)
def test_environment_variable_chooses_or_warns(value: str, chosen: str, warned: bool) -> None:
    code = (
        "import warnings; warnings.simplefilter('always');"
        "from lemon_adapters.core.wire import json_reader, sse;"
        "assert sse.json_decoder is json_reader.json_decoder; print(sse.json_decoder())"
    )
    env = {**os.environ, "LEMON_ADAPTERS_JSON": value}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == chosen
    assert ("LEMON_ADAPTERS_JSON ignored: unknown JSON decoder 'simdjson'" in out.stderr) is warned
