"""LemonData's documented contract: every documented error example, through both clients
(sync and async) and both adapters, with the class and every hint attribute checked; the
retry rules those errors imply; the native-route hint and cache headers; model discovery.

The examples are :data:`lemon_adapters.testing.contract.DOCUMENTED_ERRORS` (copied from LemonData's
error-handling and Agent-First pages, both statuses where the pages disagree).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lemon_adapters import (
    AsyncLemonDataClient,
    AuthenticationError,
    BadRequestError,
    ChannelsUnavailableError,
    ContextLengthError,
    InsufficientCreditsError,
    InternalServerError,
    LemonDataClient,
    LemonDataError,
    ModelNotAllowedError,
    ModelNotFoundError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    SpendLimitError,
)
from lemon_adapters.core.errors import api_error
from lemon_adapters.testing.contract import DOCUMENTED_ERRORS
from lemon_adapters.testing.server import DevServer, Reply, demo_responder

KEY = "sk-test-contract-0123456789"
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
_calls = itertools.count()

#: name -> (the class it must be, the classes it must also be caught as)
EXPECTED: dict[str, tuple[type[LemonDataError], tuple[type[LemonDataError], ...]]] = {
    "model_not_found (Agent-First, 400)": (ModelNotFoundError, (NotFoundError, BadRequestError)),
    "model_not_found (model detail, 404)": (ModelNotFoundError, (NotFoundError,)),
    "invalid_api_key (401) (table)": (AuthenticationError, ()),
    "expired_api_key (401) (table)": (AuthenticationError, ()),
    "insufficient_balance (402)": (InsufficientCreditsError, ()),
    "insufficient_quota (402, older pages) (table)": (InsufficientCreditsError, ()),
    "quota_exceeded (402, the key's spend limit) (table)": (SpendLimitError, ()),
    "access_denied (403) (table)": (PermissionDeniedError, ()),
    "model_not_allowed (403)": (ModelNotAllowedError, (PermissionDeniedError,)),
    "context_length_exceeded (400)": (ContextLengthError, (BadRequestError,)),
    "invalid_request_error (400) (table)": (BadRequestError, ()),
    "payload_too_large (413)": (PayloadTooLargeError, ()),
    "rate_limit_exceeded (429)": (RateLimitError, ()),
    "rate_limit_error (429, older pages) (table)": (RateLimitError, ()),
    "all_channels_failed (503)": (ChannelsUnavailableError, (InternalServerError,)),
    "all_channels_failed, no channel configured (503) (table)": (
        ChannelsUnavailableError,
        (InternalServerError,),
    ),
    "upstream_error (502) (table)": (InternalServerError, ()),
    "timeout_error (504) (table)": (InternalServerError, ()),
}
CASES = {name: (status, error) for name, status, error in DOCUMENTED_ERRORS}


def test_every_documented_example_has_an_expectation() -> None:
    assert set(EXPECTED) == set(CASES)


def check(err: LemonDataError, name: str) -> None:
    """The class and every hint attribute of ``err``, against the documented body."""
    status, body = CASES[name]
    cls, also = EXPECTED[name]
    assert isinstance(err, cls) and all(isinstance(err, c) for c in also), (name, type(err))
    assert err.status_code == status
    assert err.message == body["message"]
    assert (err.code, err.type, err.param) == (
        body.get("code"),
        body.get("type"),
        body.get("param"),
    )
    assert err.did_you_mean == body.get("did_you_mean")
    assert err.hint == body.get("hint")
    raw = body.get("suggestions")
    assert err.suggestions_raw == raw
    assert err.suggestions == ([s["id"] for s in raw] if raw is not None else None)
    assert err.alternatives == body.get("alternatives")
    assert err.balance_usd == body.get("balance_usd")
    assert err.estimated_cost_usd == body.get("estimated_cost_usd")
    header_wait = {429: 8.0, 503: 30.0}.get(status)  # Retry-After wins over the body
    assert err.retry_after == (header_wait if header_wait is not None else body.get("retry_after"))
    default = status in (408, 409, 429, 500, 502, 503, 504)
    assert err.retryable is body.get("retryable", default)
    assert err.partial is not None and err.partial.text == ""
    assert err.extra == {}
    assert KEY not in str(err)


def _responder(api: str, body: dict[str, Any]) -> Reply:
    model = str(body.get("model"))
    if model.startswith("doc:"):
        status, error = CASES[model[4:].rsplit("#", 1)[0]]
        headers = {"Retry-After": "8"} if status == 429 else {}
        if status == 503:
            headers = {"Retry-After": "30"}
        return Reply(status=status, error=dict(error), headers=headers)
    return demo_responder(api, body)


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    with DevServer(_responder) as srv:
        yield srv


def _model(name: str) -> str:
    return f"doc:{name}#{next(_calls)}"  # unique, so retries are counted per call


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("how", ["stream", "create"])
async def test_documented_errors_through_both_clients(
    server: DevServer, name: str, how: str
) -> None:
    client = LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=0)
    with client, pytest.raises(LemonDataError) as info:
        if how == "stream":
            list(client.stream(model=_model(name), messages=MESSAGES))
        else:
            client.create(model=_model(name), messages=MESSAGES)
    check(info.value, name)
    aclient = AsyncLemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=0)
    with pytest.raises(LemonDataError) as ainfo:
        if how == "stream":
            async with aclient.stream(model=_model(name), messages=MESSAGES) as stream:
                async for _ in stream:
                    pass
        else:
            await aclient.create(model=_model(name), messages=MESSAGES)
    await aclient.aclose()
    check(ainfo.value, name)


@pytest.mark.parametrize("name", list(CASES))
def test_documented_errors_through_both_adapters(server: DevServer, name: str) -> None:
    from langchain_core.exceptions import ContextOverflowError, ModelError
    from llama_index.core.base.llms.types import ChatMessage

    from lemon_adapters.langchain import ChatLemonData
    from lemon_adapters.llama_index import LemonData

    llm = ChatLemonData(model=_model(name), base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(LemonDataError) as info:
        llm.invoke("hi")
    check(info.value, name)
    assert isinstance(info.value, ModelError)  # and langchain-core's own classes
    if name.startswith("context_length"):
        assert isinstance(info.value, ContextOverflowError)
    li = LemonData(model=_model(name), base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(LemonDataError) as li_info:
        list(li.stream_chat([ChatMessage(role="user", content="hi")]))
    check(li_info.value, name)
    llm.close()
    li.close()


def test_the_readme_example_works_on_a_400_model_not_found(server: DevServer) -> None:
    from lemon_adapters.langchain import ChatLemonData

    llm = ChatLemonData(model="gpt-4o-minii", base_url=server.base_url, api_key=KEY, max_retries=0)
    with pytest.raises(NotFoundError) as info:
        llm.invoke("hi")
    err = info.value
    assert err.status_code == 400 and isinstance(err, BadRequestError)
    assert (
        err.did_you_mean == "gpt-4o-mini" and err.suggestions and "gpt-4o-mini" in err.suggestions
    )
    assert err.hint and "Did you mean 'gpt-4o-mini'" in err.hint


# -- the retry rules the documented bodies imply --------------------------------------------


def _counting(outcomes: list[Reply]) -> Any:
    replies = iter(outcomes)

    def responder(api: str, body: dict[str, Any]) -> Reply:
        return next(replies, Reply(text="recovered"))

    return responder


def test_retryable_false_on_a_503_is_raised_after_one_attempt() -> None:
    _, error = CASES["all_channels_failed, no channel configured (503) (table)"]
    with DevServer(_counting([Reply(status=503, error=dict(error))])) as server:
        client = LemonDataClient(api_key=KEY, base_url=server.base_url, max_retries=3)
        with client, pytest.raises(ChannelsUnavailableError) as info:
            client.create(model="m", messages=MESSAGES)
        assert len(server.requests) == 1 and info.value.retryable is False


def test_retryable_true_is_retried_after_its_retry_after_capped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, error = CASES["all_channels_failed (503)"]
    with DevServer(_counting([Reply(status=503, error=dict(error))])) as server:
        client = LemonDataClient(
            api_key=KEY, base_url=server.base_url, max_retries=2, max_retry_delay=0.05
        )
        with caplog.at_level(logging.INFO, logger="lemon_adapters"), client:
            result = client.create(model="m", messages=MESSAGES)
        assert result.text == "recovered" and len(server.requests) == 2
    # the body said retry_after 30: the wait is that, capped by max_retry_delay
    assert any(
        "retry in 0.050s after ChannelsUnavailableError" in r.message for r in caplog.records
    )
    err = api_error(503, {}, b'{"error": {"code": "all_channels_failed", "retry_after": 30}}')
    assert err.retry_after == 30.0 and err.retryable


# -- response facts and discovery ---------------------------------------------------------


def test_native_route_hint_reaches_results_and_is_logged_once(
    server: DevServer, caplog: pytest.LogCaptureFixture
) -> None:
    from lemon_adapters.langchain import ChatLemonData

    with caplog.at_level(logging.INFO, logger="lemon_adapters"):
        llm = ChatLemonData(
            model="claude-haiku-4-5", api="chat", base_url=server.base_url, api_key=KEY
        )
        first = llm.invoke("hi")
        last = None
        for chunk in llm.stream("hi"):
            last = chunk
    assert first.response_metadata["native_endpoint"] == "/v1/messages"
    assert last is not None and last.response_metadata["native_endpoint"] == "/v1/messages"
    assert "native Anthropic format" in first.response_metadata["native_hint"]
    noted = [r for r in caplog.records if "has a native route" in r.message]
    assert len(noted) == 1 and noted[0].levelno == logging.INFO
    llm.close()


def test_cache_headers_reach_the_result() -> None:
    def responder(api: str, body: dict[str, Any]) -> Reply:
        headers = {"X-Upstream-Cache-Read": "1031", "X-Upstream-Cache-Write": "12"}
        return Reply(text="cached", headers=headers)

    with (
        DevServer(responder) as server,
        LemonDataClient(api_key=KEY, base_url=server.base_url) as c,
    ):
        result = c.create(model="m", messages=MESSAGES, api="chat")
    assert (result.upstream_cache_read, result.upstream_cache_write) == (1031, 12)


async def test_model_discovery_on_both_clients(server: DevServer) -> None:
    with LemonDataClient(api_key=KEY, base_url=server.base_url) as client:
        embedding = client.models(category="embedding")
        anthropic = client.models(provider="anthropic")
        detail = client.model("claude-sonnet-4-6")
        with pytest.raises(ModelNotFoundError) as info:
            client.model("no-such-model")
    assert {m.id for m in embedding} == {
        "text-embedding-3-small",
        "text-embedding-3-large",
        "text-embedding-ada-002",
    }
    assert all(m.owned_by == "anthropic" and m.category == "chat" for m in anthropic)
    assert detail.capability_flags and detail.lemondata["public_contract"]
    assert info.value.status_code == 404
    aclient = AsyncLemonDataClient(api_key=KEY, base_url=server.base_url)
    rerank = await aclient.models(category="rerank")
    assert {m.id for m in rerank} == {"BAAI/bge-reranker-v2-m3", "qwen3-rerank"}
    assert (await aclient.model("BAAI/bge-reranker-v2-m3")).supported_operations == ["rerank"]
    await aclient.aclose()


def test_auto_learns_the_native_route_from_the_gateway() -> None:
    """A Chat Completions answer naming ``X-LemonData-Native-Endpoint: /v1/messages`` sends
    the model's later ``auto`` calls to the Messages route; a conversation that already
    holds signed thinking blocks goes there directly."""
    from lemon_adapters.core.http.retry import RouteMemory

    def responder(api: str, body: dict[str, Any]) -> Reply:
        if api == "responses":  # this gateway has no Responses route for the model
            return Reply(status=404, error={"message": "no route", "code": "not_found"})
        return Reply(text=f"via {api}", reasoning="thinking" if api == "messages" else "")

    routes = RouteMemory()
    with DevServer(responder) as server:
        client = LemonDataClient(api_key=KEY, base_url=server.base_url, routes=routes)
        model = "claude-sonnet-4-6"
        first = client.create(model=model, messages=MESSAGES)  # responses -> chat
        second = client.create(model=model, messages=MESSAGES)  # straight to messages
        assert (first.text, first.native_endpoint) == ("via chat", "/v1/messages")
        assert second.text == "via messages" and second.blocks[0]["signature"]
        assert [r["api"] for r in server.requests] == ["responses", "chat", "messages"]
        replay: list[Any] = [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "ok", "thinking_blocks": second.blocks[:1]},
            {"role": "user", "content": "And?"},
        ]
        other = LemonDataClient(api_key=KEY, base_url=server.base_url, routes=RouteMemory())
        third = other.create(model="another-model", messages=replay)
        assert third.text == "via messages" and server.requests[-1]["api"] == "messages"
        sent = server.requests[-1]["body"]["messages"][1]["content"][0]
        assert sent == second.blocks[0]  # the signed block, sent back unchanged
        client.close()
        other.close()
