"""The switch the demo, the CLI and the examples share: the real gateway with a key, else a
local server, whose address is passed on (or exported for the duration, and restored)."""

from __future__ import annotations

import os

import pytest

from lemon_adapters import LemonDataClient
from lemon_adapters.testing import Reply, gateway


def test_with_a_key_it_is_the_real_gateway_and_starts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEMONDATA_API_KEY", "sk-real-0123456789")
    announced: list[str] = []
    with gateway(announce=announced.append) as where:
        assert (where.api_key, where.base_url, where.offline) == ("sk-real-0123456789", None, False)
    monkeypatch.setenv("LEMONDATA_BASE_URL", "https://example.invalid/v1")
    with gateway(export=True) as where:
        assert where.base_url == "https://example.invalid/v1" and where.server is None
    assert announced == []


def test_without_a_key_a_local_server_answers_at_the_address_it_passes() -> None:
    announced: list[str] = []
    with gateway(lambda api, body: Reply(text="local"), announce=announced.append) as where:
        assert where.offline and announced == [where.base_url]
        assert "LEMONDATA_BASE_URL" not in os.environ  # nothing exported unless asked
        with LemonDataClient(api_key=where.api_key, base_url=where.base_url) as client:
            assert client.create(model="m", messages=[{"role": "user", "content": "x"}]).text == (
                "local"
            )


def test_export_sets_the_environment_for_the_duration_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEMONDATA_BASE_URL", "https://before.invalid/v1")
    with gateway(export=True) as where:
        assert os.environ["LEMONDATA_BASE_URL"] == where.base_url
        assert os.environ["LEMONDATA_API_KEY"] == where.api_key
    assert os.environ["LEMONDATA_BASE_URL"] == "https://before.invalid/v1"
    assert "LEMONDATA_API_KEY" not in os.environ
