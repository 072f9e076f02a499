"""Set-up for the LangChain adapter tests: cassette replay and serialization allow-listing."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from vcr import VCR

from lemon_adapters.langchain import ChatLemonData

from ..conftest import CASSETTES

LC_CASSETTES = CASSETTES / "langchain"

# langchain-tests' standard suites come with the dev extra; the lighter test extra (the
# version-floors run) has the rest of the adapter tests without them.
collect_ignore = (
    []
    if importlib.util.find_spec("langchain_tests")
    else ["test_standard_unit.py", "test_standard_integration.py"]
)

# Recording is driven by tools/record_cassettes_langchain.py through these variables; in CI
# they are unset and every request is answered from cassettes (record mode "none").
RECORD_BASE_URL = os.environ.get("LEMON_RECORD_BASE_URL")
RECORD_API_KEY = os.environ.get("LEMON_RECORD_API_KEY")
REPLAY_BASE_URL = "https://api.lemondata.cc/v1"
REPLAY_API_KEY = "sk-replay-placeholder"

# Response headers worth keeping in a cassette; everything else (cookies, CDN ids) is dropped.
_KEEP_RESPONSE_HEADERS = {"content-type", "x-cache-status", "x-request-id", "retry-after"}


# langchain-core's tool_example_to_messages() names tool calls with fresh UUIDs on every
# run; they are replaced (when recording and before matching) so such requests replay.
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _normalize_request(request: Any) -> Any:
    if isinstance(request.body, bytes) and _UUID.search(request.body):
        request.body = _UUID.sub(b"00000000-0000-0000-0000-000000000000", request.body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in _KEEP_RESPONSE_HEADERS
    }
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """langchain-tests' base config (credentials filtered), matched on path, not host.

    Matching on method + path + body lets cassettes recorded against the local server
    (any port) or the real gateway replay against the one fixed replay base URL. The
    record mode comes from pytest-recording's ``--record-mode`` (default "none": replay
    only, a missing interaction fails the test).
    """
    return {
        "filter_headers": [
            ("authorization", "PLACEHOLDER"),
            ("x-api-key", "PLACEHOLDER"),
            ("api-key", "PLACEHOLDER"),
            ("cookie", None),
            ("user-agent", None),
        ],
        "match_on": ["method", "path", "body"],
        "allow_playback_repeats": True,
        "decode_compressed_response": True,
        "cassette_library_dir": str(LC_CASSETTES),
        "path_transformer": VCR.ensure_suffix(".yaml"),
        "before_record_response": _scrub_response,
        "before_record_request": _normalize_request,
    }


@pytest.fixture
def vcr_cassette_dir() -> str:
    """All LangChain cassettes live in ``cassettes/langchain/``."""
    return str(LC_CASSETTES)


def endpoint() -> dict[str, Any]:
    """``base_url`` and ``api_key`` for tests that hit the gateway (or its cassettes)."""
    return {
        "base_url": RECORD_BASE_URL or REPLAY_BASE_URL,
        "api_key": RECORD_API_KEY or REPLAY_API_KEY,
    }


@pytest.fixture(autouse=True)
def _allow_loading_chat_lemondata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Allow-list ``ChatLemonData`` for ``load(..., allowed_objects="all")``.

    langchain-core's "all" allow-list is a fixed table of partner packages shipped inside
    langchain-core; a package outside it cannot add itself there. The standard
    ``test_serdes`` loads with "all", so for the duration of a test the class path is
    added, as the table would list it. Users load with
    ``load(data, allowed_objects=[ChatLemonData], valid_namespaces=["lemon_adapters"])``,
    which needs no such step (``test_chat_model.py`` checks it).
    """
    load_module = importlib.import_module("langchain_core.load.load")
    path = tuple(ChatLemonData.lc_id())
    cache = load_module._default_class_paths_cache
    allowed = set(load_module._get_default_allowed_class_paths("all")) | {path}
    monkeypatch.setitem(cache, "all", allowed)
    yield
