"""Fixtures: one fault server per session, a fresh model name per test, both drivers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from lemon_adapters.core.http.retry import ROUTES

from .drivers import AsyncDriver, Driver, SyncDriver
from .server import FaultServer

_names = itertools.count()


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    """The scripted server, shared by the session (scripts are keyed by model name)."""
    with FaultServer() as server:
        yield server


@pytest.fixture(params=[SyncDriver(), AsyncDriver()], ids=lambda d: d.name)
def driver(request: pytest.FixtureRequest) -> Driver:
    """The same test body, run through the sync and the async client."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["responses", "chat"])
def api(request: pytest.FixtureRequest) -> str:
    """Both wire APIs."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def model(request: pytest.FixtureRequest) -> str:
    """A model name no other test uses, so scripts never collide."""
    return f"fault-{next(_names)}-{request.node.name}"


@pytest.fixture(autouse=True)
def _fresh_routes() -> Iterator[None]:
    """The api='auto' route cache is process-wide; tests must not see each other's."""
    ROUTES.forget()
    yield
    ROUTES.forget()
