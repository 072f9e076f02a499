"""A fixed share of the fuzzer in every run (``tests/fuzz.py``; the long run is
``python3 tasks.py fuzz``): seeded, so a failure names the case seed that reproduces it."""

from __future__ import annotations

import random

import pytest

from tests import fuzz


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
