"""A fixed share of the fuzzer in every run (``tests/fuzz.py``; the long run is
``python3 tasks.py fuzz``): seeded, so a failure names the case seed that reproduces it."""

from __future__ import annotations

import pytest

from tests import fuzz


@pytest.mark.parametrize("seed", [20261201, 7, 1234567])
def test_fuzz_share(seed: int) -> None:
    outcomes = fuzz.run(150, seed=seed, minutes=None, client_share=0.15)
    assert outcomes["cases"] == 150
    assert outcomes["ok"] and outcomes["MalformedStreamError"]  # both kinds were exercised
