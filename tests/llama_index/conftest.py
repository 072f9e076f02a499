"""Set-up for the LlamaIndex adapter tests: a live local server per test, and cassettes.

Cassettes are replayed with record mode "none" (a request that is not in the cassette
fails the test; nothing reaches the network). ``record.py`` re-records them, see
``cassettes/README.md``.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import vcr

from lemon_adapters.llama_index import LemonData
from lemon_adapters.testing.server import DevServer, Reply, Responder, demo_responder

from ..conftest import CASSETTES

LI_CASSETTES = CASSETTES / "llama_index"
REPLAY_BASE_URL = "https://api.lemondata.cc/v1"
REPLAY_API_KEY = "sk-replay-placeholder"
CASSETTE_MODEL = "gpt-4o-mini"
APIS = ("responses", "chat")

# Response headers worth keeping in a cassette; cookies and CDN ids are dropped.
_KEEP_RESPONSE_HEADERS = {"content-type", "x-cache-status", "x-request-id", "retry-after"}


def _scrub_request(request: Any) -> Any:
    # Cassettes recorded against the local server read like gateway traffic; matching
    # ignores the host anyway (method + path + body).
    parts = urlsplit(request.uri)
    if parts.hostname == "127.0.0.1":
        request.uri = "https://api.lemondata.cc" + parts.path
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in _KEEP_RESPONSE_HEADERS
    }
    return response


def cassette(name: str, *, record: bool = False) -> AbstractContextManager[Any]:
    """Replay (or, from ``record.py``, record) ``cassettes/llama_index/<name>.yaml``."""
    recorder = vcr.VCR(
        cassette_library_dir=str(LI_CASSETTES),
        record_mode="all" if record else "none",
        match_on=["method", "path", "body"],
        filter_headers=[
            ("authorization", "PLACEHOLDER"),
            ("x-api-key", "PLACEHOLDER"),
            ("cookie", None),
            ("user-agent", None),
            ("host", None),
        ],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    return recorder.use_cassette(f"{name}.yaml")


def replay_llm(api: str) -> LemonData:
    """The LLM the cassette round trips were recorded with, aimed at the replay URL."""
    return LemonData(
        model=CASSETTE_MODEL,
        api=api,
        base_url=REPLAY_BASE_URL,
        api_key=REPLAY_API_KEY,
        max_retries=0,
    )


@pytest.fixture
def collect_leftovers() -> Iterator[None]:
    """Collect LlamaIndex's unclosed aiosqlite memories inside the test that made them.

    ``Memory`` (agents, chat engines) opens an in-memory aiosqlite connection it never
    closes; its ``ResourceWarning`` at garbage collection would otherwise surface in
    whichever test happens to run the collector next.
    """
    yield
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ResourceWarning, message=".*aiosqlite")
        gc.collect()


class _Switch:
    """The shared server's responder: whichever one the current test chose."""

    def __init__(self) -> None:
        self.responder: Responder = demo_responder

    def __call__(self, api: str, body: dict[str, Any]) -> Reply:
        return self.responder(api, body)


@dataclass
class Served:
    """One test's view of the shared server: its URL and the requests it sent."""

    server: DevServer
    start: int

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests[self.start :]


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[tuple[DevServer, _Switch]]:
    # One server for the session: starting and stopping one per test costs ~0.5 s each.
    switch = _Switch()
    with DevServer(switch) as server:
        yield server, switch


@pytest.fixture
def serve(_shared_server: tuple[DevServer, _Switch]) -> Callable[[Responder], Served]:
    """Point the shared local server at a responder for this test."""
    server, switch = _shared_server

    def start(responder: Responder) -> Served:
        switch.responder = responder
        return Served(server, len(server.requests))

    return start


@pytest.fixture
def make_llm() -> Iterator[Callable[..., LemonData]]:
    """Build ``LemonData`` against a dev server; sync pools are closed after the test."""
    made: list[LemonData] = []

    def build(server: Served, api: str, **kwargs: Any) -> LemonData:
        kwargs.setdefault("model", "gpt-4o-mini")
        llm = LemonData(
            api=api, base_url=server.base_url, api_key="sk-test-key-123456", max_retries=0, **kwargs
        )
        made.append(llm)
        return llm

    yield build
    for llm in made:
        llm.close()


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    """Both wire APIs."""
    return str(request.param)
