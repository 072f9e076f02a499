"""``tests/extras.py``: a missing framework skips its tests, unless the run requires it."""

from __future__ import annotations

import pytest

from tests.extras import REQUIRE, installed


def test_an_installed_framework_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE, "no-such-extra")
    assert installed("pytest", "no-such-extra")


def test_a_missing_framework_skips_when_not_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE, "pydantic-ai, http2")
    assert not installed("no_such_module", "openai-agents")
    monkeypatch.delenv(REQUIRE)
    assert not installed("no_such_module", "openai-agents")


def test_a_missing_required_framework_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE, "pydantic-ai, openai-agents")
    with pytest.raises(pytest.UsageError, match="no_such_module is not installed, but"):
        installed("no_such_module", "openai-agents")
