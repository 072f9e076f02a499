"""Shared test set-up: no test reaches the internet, and no real key leaks in."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "recordings"  # see its PROVENANCE.md
WIRE = RECORDINGS / "wire"
CASSETTES = ROOT / "cassettes"

# The browser test needs the dev extra's Playwright; the lighter test extra (the
# version-floors run) does without it.
collect_ignore = [] if importlib.util.find_spec("playwright") else ["test_web_chat.py"]


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never use a developer's real key or base URL from the environment."""
    for name in ("LEMONDATA_API_KEY", "LEMONDATA_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield
