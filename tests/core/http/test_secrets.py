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


# -- every public object, walked --------------------------------------------------------------

WALK_KEY = "sk-walk-every-repr-0123456789abcdef"


def _walk(roots: list[object]) -> list[object]:
    """Every object reachable from ``roots`` through attributes, slots, pydantic private
    attributes and containers, keeping the package's own objects (and framework models
    built on them)."""
    seen: set[int] = set()
    out: list[object] = []
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | bool | type(None)):
            continue
        seen.add(id(obj))
        module = type(obj).__module__ or ""
        if isinstance(obj, dict):
            stack.extend(obj.values())
            continue
        if isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
            continue
        if not module.startswith("lemon_adapters"):
            continue
        out.append(obj)
        stack.extend(getattr(obj, "__dict__", {}).values())
        stack.extend((getattr(obj, "__pydantic_private__", None) or {}).values())
        for cls in type(obj).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                stack.append(getattr(obj, slot, None))
    return out


def test_no_public_object_shows_the_key(fault_server: FaultServer, model: str) -> None:
    """Clients, configs, streams, results, errors, every adapter class and what they hold:
    no ``repr`` or ``str`` carries the key (ClientConfig's dataclass repr once did)."""
    from llama_index.core.llms import ChatMessage

    from lemon_adapters import AsyncLemonDataClient, LemonDataClient, LemonDataError
    from lemon_adapters.core.http.pools import Clients
    from lemon_adapters.langchain import ChatLemonData, LemonDataEmbeddings, LemonDataRerank
    from lemon_adapters.llama_index import LemonData, LemonDataEmbedding
    from lemon_adapters.llama_index import LemonDataRerank as LlamaRerank

    base = fault_server.base_url
    fault_server.script(f"{model}-echo", lemon_error(401, message=f"bad key {WALK_KEY}"))
    fault_server.script(f"{model}-stall", Step(stall_after=(text_frames("chat", Step())[2], 0)))
    client = LemonDataClient(api_key=WALK_KEY, base_url=base, max_retries=0, stall_timeout=0.3)
    roots: list[object] = [client, client.config, AsyncLemonDataClient(api_key=WALK_KEY)]
    stream = client.stream(model=model, messages=[{"role": "user", "content": "hi"}])
    roots += [stream, stream.until_done(), stream.result]
    for name in ("echo", "stall"):
        with pytest.raises(LemonDataError) as info:
            client.stream(
                model=f"{model}-{name}", messages=[{"role": "user", "content": "x"}], api="chat"
            ).until_done()
        roots += [info.value, info.value.partial]
    chat = ChatLemonData(model=model, api_key=WALK_KEY, base_url=base)
    roots += [chat, chat.invoke("hi"), chat.client, chat.clients]
    llama = LemonData(model=model, api_key=WALK_KEY, base_url=base)
    roots += [llama, llama.chat([ChatMessage(role="user", content="hi")])]
    roots += [
        LemonDataEmbeddings(model="e", api_key=WALK_KEY),
        LemonDataRerank(model="r", api_key=WALK_KEY),
        LemonDataEmbedding(model_name="e", api_key=WALK_KEY),
        LlamaRerank(model="r", api_key=WALK_KEY),
        Clients(api_key=WALK_KEY),
    ]
    objects = _walk(roots)
    kinds = {type(o).__name__ for o in objects}
    assert {"ClientConfig", "ResponseStream", "StreamResult", "ChatLemonData", "LemonData"} <= kinds
    assert {"APITimeoutError", "AuthenticationError", "Exchange", "Clients"} <= kinds
    for obj in objects:
        for text in (repr(obj), str(obj)):
            assert WALK_KEY not in text and WALK_KEY[-12:] not in text, type(obj).__name__
