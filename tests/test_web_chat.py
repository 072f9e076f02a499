"""The web chat example in a real headless Chromium (Debian's, at /usr/bin/chromium).

The page is served by ``examples/web_chat/app.py`` under uvicorn on 127.0.0.1, relaying the
dev server through the LangChain adapter. The relay sends every SSE frame in two network
writes cut inside a multi-byte character, so the page must decode Korean and Chinese text
split across network chunks; in one test the relay cuts the first event stream mid-frame
and the page must retry visibly and resume without losing or duplicating text.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from lemon_adapters.testing.server import DevServer

ROOT = Path(__file__).resolve().parent.parent
WEB_CHAT = ROOT / "examples" / "web_chat"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); "
        ".ci/run installs it, and in CI this test never skips",
    ),
]

sys.path.insert(0, str(WEB_CHAT))

from app import ChatRelay, create_app  # noqa: E402
from offline_model import ANSWER, chat_responder  # noqa: E402


class _Uvicorn:
    """uvicorn serving ``app`` on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        # log_level critical: the simulated drop is logged by uvicorn as an app exception.
        config = uvicorn.Config(app, log_level="critical", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}/"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh headless Chromium profile (launch_persistent_context = --user-data-dir)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 900, "height": 700},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def devserver() -> Iterator[DevServer]:
    # 30 ms between deltas: slow enough that every delta is its own DOM state.
    with DevServer(chat_responder, delay=0.03) as server:
        yield server


# Records every distinct state of the answer, tool-call arguments and status line as the
# DOM changes (a MutationObserver, independent of the page's own code).
OBSERVER = """
window.__seen = {answer: [], args: [], status: []};
new MutationObserver(() => {
  const push = (list, value) => { if (list[list.length - 1] !== value) list.push(value); };
  const answer = document.querySelector('.assistant:last-child .answer');
  if (answer) push(__seen.answer, answer.textContent);
  const args = document.querySelector('.assistant:last-child .tool-call .args');
  if (args) push(__seen.args, args.textContent);
  push(__seen.status, document.getElementById('status').textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def _chat(browser: Any, url: str, api: str) -> tuple[Any, dict[str, Any]]:
    page = browser.new_page()
    page.goto(url)
    page.evaluate(OBSERVER)
    page.click("#send")
    polled: list[str] = []
    deadline = time.monotonic() + 30
    # Also poll from outside, to see the text grow between network reads.
    while time.monotonic() < deadline:
        state = page.evaluate(
            "[document.querySelector('.assistant:last-child .answer')?.textContent ?? '',"
            " document.getElementById('status').textContent]"
        )
        if not polled or polled[-1] != state[0]:
            polled.append(state[0])
        if state[1].startswith(("done", "error", "connection lost — gave up")):
            break
        time.sleep(0.01)
    seen = page.evaluate("window.__seen")
    seen["polled"] = polled
    seen["stats"] = page.evaluate("window.lemonChat.stats")
    return page, seen


def _assert_streamed(page: Any, seen: dict[str, Any]) -> None:
    status = page.text_content("#status")
    assert status.startswith("done"), status
    # The whole answer, exactly once, with no U+FFFD from a badly decoded split character.
    assert page.text_content(".assistant:last-child .answer") == ANSWER
    # It grew: many intermediate states, each a prefix of the next, seen in the DOM ...
    states = [s for s in seen["answer"] if s]
    assert len(states) >= 10, states
    for before, after in itertools.pairwise(states):
        assert after.startswith(before) and len(after) > len(before)
    # ... and from outside the page, by polling between network reads.
    assert len([s for s in seen["polled"] if s and s != ANSWER]) >= 3, seen["polled"]
    # Korean and Chinese arrived part by part, not in one piece.
    assert any("서울" in s and "首尔" not in s for s in states), states
    assert any("首尔" in s and s != ANSWER for s in states), states
    assert "\ufffd" not in "".join(states)
    # The relay really cut characters across network reads, and the page decoded them.
    assert seen["stats"]["splitChars"] >= 5, seen["stats"]
    # The tool call streamed: its arguments were seen growing before the answer began.
    calls = page.query_selector_all(".assistant:last-child .tool-call")
    assert len(calls) == 1
    assert calls[0].query_selector(".name").text_content() == "get_weather"
    assert json.loads(calls[0].query_selector(".args").text_content()) == {
        "city": "Seoul",
        "unit": "celsius",
    }
    assert len([a for a in seen["args"] if a]) >= 3, seen["args"]
    result = page.text_content(".assistant:last-child .tool-result")
    assert result == "get_weather → Seoul: 21°C, clear skies"


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_text_and_tool_calls_stream_into_the_page(
    browser: Any, devserver: DevServer, api: str
) -> None:
    relay = ChatRelay(
        model="gpt-4o-mini",
        api=api,
        api_key="sk-test",
        base_url=devserver.base_url,
        split_frames=True,
    )
    with _Uvicorn(create_app(relay)) as url:
        page, seen = _chat(browser, url, api)
        _assert_streamed(page, seen)
        assert seen["stats"]["connections"] == 1
        assert not page.query_selector_all("#notices li")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"web_chat_{api}.png"), full_page=True)
        page.close()
    # Both model calls (tool call, then answer) went through the adapter to LemonData.
    assert [r["api"] for r in devserver.requests] == [api, api]


def test_dropped_connection_is_retried_visibly_without_duplicates(
    browser: Any, devserver: DevServer
) -> None:
    relay = ChatRelay(
        model="gpt-4o-mini",
        api="responses",
        api_key="sk-test",
        base_url=devserver.base_url,
        split_frames=True,
        drop_after=12,
    )
    with _Uvicorn(create_app(relay)) as url:
        page, seen = _chat(browser, url, "responses")
        # The drop was shown while it was happening, then the stream recovered.
        assert any(
            s.startswith("connection lost — retrying in 1s (attempt 1 of 3)")
            for s in seen["status"]
        ), seen["status"]
        notices = [li.text_content() for li in page.query_selector_all("#notices li")]
        assert notices[0] == "connection lost — retrying in 1s (attempt 1 of 3)"
        assert notices[1].startswith("reconnected, resuming after event 12")
        assert seen["stats"]["connections"] == 2
        _assert_streamed(page, seen)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "web_chat_retry.png"), full_page=True)
        page.close()
