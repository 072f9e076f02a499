"""Whether an optional framework is installed, for tests that skip without it.

A locked environment has every framework its extras name, so a skip there would hide an
untested adapter. ``python3 tasks.py`` sets ``LEMON_TESTS_REQUIRE`` to the extras its
environment installs (comma-separated, e.g. ``pydantic-ai,openai-agents``); for those, a
missing framework stops the run instead of skipping its tests.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

REQUIRE = "LEMON_TESTS_REQUIRE"


def installed(module: str, extra: str) -> bool:
    """Whether ``module`` can be imported; raises if it cannot but this run requires ``extra``."""
    if importlib.util.find_spec(module) is not None:
        return True
    required = {name.strip() for name in os.environ.get(REQUIRE, "").split(",")}
    if extra in required:
        raise pytest.UsageError(
            f"{module} is not installed, but {REQUIRE} requires the {extra} extra's tests"
        )
    return False
