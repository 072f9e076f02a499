"""A fixed share of the fuzzer in every run (``tests/fuzz.py``; the long run is
``python3 tasks.py fuzz``): seeded, so a failure names the case seed that reproduces it."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.core.wire import fuzz


@pytest.mark.parametrize("seed", [20261201, 7, 1234567])
def test_fuzz_share(seed: int) -> None:
    outcomes = fuzz.run(150, seed=seed, minutes=None, client_share=0.15)
    assert outcomes["cases"] == 150
    assert outcomes["ok"] and outcomes["MalformedStreamError"]  # both kinds were exercised


def test_a_body_truncated_to_nothing_is_fuzzed_too() -> None:
    """Seed 77 once cut a body to zero bytes, and the splitter itself raised."""
    _split = fuzz._split
    rng = random.Random(77)
    assert _split(b"", rng) == [b""] and _split(b"x", rng) == [b"x"]
    assert b"".join(_split(b"data: {}\n\n", rng)) == b"data: {}\n\n"


def test_a_body_truncated_to_nothing_keeps_nothing_intact() -> None:
    """Case seed 4038803694 (of seed 20261202) cut a body to zero bytes, and the fuzzer
    expected all but the last of the whole body's events from the empty prefix."""
    source = fuzz.sources()[0]
    case = fuzz.mutate(source, _Truncate(0))
    assert case.body == b"" and case.intact == 0 and case.truncated
    # an empty body is an incomplete stream, with nothing lost
    assert fuzz.check_parser(case, random.Random(0)) == "IncompleteStreamError"


class _Truncate(random.Random):
    """A random source whose choices make ``mutate`` truncate the body at ``at``."""

    def __init__(self, at: int) -> None:
        super().__init__(0)
        self._at = at

    def choice(self, seq: Any) -> Any:
        return "truncate" if "truncate" in seq else super().choice(seq)

    def randrange(self, *args: Any, **kwargs: Any) -> int:
        return self._at
