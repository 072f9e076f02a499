"""The API key never appears in errors, reprs or logs (httpx and httpcore included)."""

from __future__ import annotations

import logging

import httpx
import pytest

from lemon_adapters import AuthenticationError

from .drivers import KEY, Driver, Outcome
from .server import FaultServer, Step, lemon_error, text_frames


def _everything_said(o: Outcome) -> str:
    parts = [repr(o.events), repr(o.result)]
    if o.error is not None:
        err = o.error
        parts += [
            str(err),
            repr(err),
            repr(err.args),
            repr(err.body),
            repr(err.partial),
            repr(err.__cause__),
            repr(vars(err)),
        ]
    return "\n".join(parts)


def test_key_never_leaks(
    driver: Driver,
    api: str,
    fault_server: FaultServer,
    model: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo = lemon_error(
        401,
        message=f"Incorrect API key provided: {KEY}. Get a key at ...",
        hint=f"the key {KEY} was revoked",
    )
    drop = Step(drop_after=(text_frames(api, Step())[2], 4))
    scripts = {
        "ok": [Step()],
        "echo": [echo],
        "retried": [lemon_error(429, headers={"Retry-After": "0"}), Step(stall_after=0), Step()],
        "drop": [drop],
    }
    outcomes = []
    with caplog.at_level(logging.DEBUG):
        for logger in ("httpx", "httpcore", "lemon_adapters", "hpack", "h11"):
            logging.getLogger(logger).setLevel(logging.DEBUG)
        try:
            for name, steps in scripts.items():
                fault_server.script(f"{model}-{name}", *steps)
                outcomes.append(
                    driver.run(
                        fault_server.base_url,
                        model=f"{model}-{name}",
                        api=api,
                        client={"timeout": httpx.Timeout(0.3, connect=2.0)},
                    )
                )
        finally:
            for logger in ("httpx", "httpcore", "lemon_adapters", "hpack", "h11"):
                logging.getLogger(logger).setLevel(logging.NOTSET)
    # the test can fail: the key was really sent, and really echoed back
    sent = fault_server.requests_for(f"{model}-ok")[0]["headers"]["authorization"]
    assert sent == f"Bearer {KEY}"
    ok, echoed, retried, dropped = outcomes
    assert ok.error is None and retried.error is None and dropped.error is not None
    assert isinstance(echoed.error, AuthenticationError)
    assert "Incorrect API key provided: ***" in str(echoed.error)
    assert echoed.error.hint == "the key *** was revoked"
    # every log record at every level, from every logger, with its arguments
    assert caplog.records, "logging was captured"
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records
    )
    assert KEY not in logged
    assert KEY[-12:] not in logged
    for o in outcomes:
        said = _everything_said(o)
        assert KEY not in said and KEY[-12:] not in said


def test_no_cassette_holds_credentials() -> None:
    """Every cassette in the project: authorization filtered, no cookies, no key-shaped text."""
    import re

    import yaml

    from tests.conftest import CASSETTES

    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files, "the project has cassettes to check"
    key_shaped = re.compile(r"(Bearer\s+[A-Za-z0-9_\-.]{6,}|sk-[A-Za-z0-9_\-]{12,})")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not key_shaped.search(text), path
        for interaction in (yaml.safe_load(text) or {}).get("interactions", []):
            for side in ("request", "response"):
                headers = {
                    k.lower(): v
                    for k, v in (interaction.get(side, {}).get("headers") or {}).items()
                }
                assert headers.get("authorization", ["PLACEHOLDER"]) == ["PLACEHOLDER"], path
                assert headers.get("x-api-key", ["PLACEHOLDER"]) == ["PLACEHOLDER"], path
                assert "cookie" not in headers and "set-cookie" not in headers, path
