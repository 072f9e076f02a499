"""``api="auto"``: Responses first, Chat Completions once when the route is rejected."""

from __future__ import annotations

import pytest

from lemon_adapters import BadRequestError, LemonDataClient, ModelNotFoundError
from lemon_adapters.core.http.retry import ROUTES

from .drivers import KEY, MESSAGES, Driver
from .server import TEXT, FaultServer, Step, lemon_error

REJECTIONS = {
    "404-route": lemon_error(
        404,
        message="Not found: POST /v1/responses",
        code="not_found",
        param=None,
        did_you_mean=None,
        suggestions=None,
        hint=None,
    ),
    "405": Step(status=405, error={"message": "Method Not Allowed"}),
    "501": Step(status=501, error={"message": "Not Implemented"}),
    "400-route": lemon_error(
        400, message="The Responses API is not supported for this model", code="unsupported_api"
    ),
    "400-field": lemon_error(
        400,
        message="Unsupported parameter: 'max_output_tokens'",
        code="unsupported_parameter",
        param="max_output_tokens",
    ),
    "503-route": lemon_error(
        503, message="responses endpoint is not available for provider X", retryable=False
    ),
}


def apis(server: FaultServer, model: str) -> list[str]:
    return [str(r["api"]) for r in server.requests_for(model)]


@pytest.mark.parametrize("rejection", list(REJECTIONS), ids=list(REJECTIONS))
def test_auto_falls_back_to_chat_and_remembers(
    driver: Driver, fault_server: FaultServer, model: str, rejection: str
) -> None:
    fault_server.script(model, REJECTIONS[rejection], Step())
    first, second = driver.run_many(fault_server.base_url, 2, model=model, api="auto")
    for o in (first, second):
        assert o.error is None, repr(o.error)
        assert o.text == TEXT
        assert o.api == "chat" and o.result.api == "chat"
        assert o.active == 0
    assert first.attempts == 1 and second.attempts == 0
    # one rejected Responses request, then Chat Completions only: the choice is remembered
    assert apis(fault_server, model) == ["responses", "chat", "chat"]
    chat_body = fault_server.requests_for(model)[1]["body"]
    assert chat_body["messages"] == MESSAGES and chat_body["stream"] is True
    assert ROUTES.get(fault_server.base_url, model) == "chat"


def test_auto_is_the_default(driver: Driver, fault_server: FaultServer, model: str) -> None:
    """No ``api`` argument: a model whose Responses route answers 503 "not supported"
    streams through Chat Completions on the first call, once, and goes straight there next."""
    rejection = lemon_error(
        503,
        message="The Responses API is not supported for this model",
        code="unsupported_api",
        retryable=False,
    )
    fault_server.script(model, rejection, Step())
    first, second = driver.run_many(fault_server.base_url, 2, model=model)
    assert first.error is None and second.error is None
    assert first.text == second.text == TEXT and first.api == second.api == "chat"
    assert apis(fault_server, model) == ["responses", "chat", "chat"]


def test_auto_uses_responses_when_it_works(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(model, Step())
    o = driver.run(fault_server.base_url, model=model, api="auto")
    assert o.error is None and o.api == "responses" and o.text == TEXT
    assert apis(fault_server, model) == ["responses"]
    assert ROUTES.get(fault_server.base_url, model) is None


@pytest.mark.parametrize("mode", ["responses", "chat"])
def test_explicit_apis_never_fall_back(
    driver: Driver, fault_server: FaultServer, model: str, mode: str
) -> None:
    fault_server.script(model, REJECTIONS["400-route"], Step())
    o = driver.run(fault_server.base_url, model=model, api=mode)
    assert isinstance(o.error, BadRequestError)
    assert apis(fault_server, model) == [mode]


def test_model_not_found_is_not_a_route_rejection(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    for status in (404, 400):  # the model-detail page's 404 and the Agent-First 400
        fault_server.script(f"{model}-{status}", lemon_error(status), Step())
        o = driver.run(fault_server.base_url, model=f"{model}-{status}", api="auto")
        assert isinstance(o.error, ModelNotFoundError) and o.error.code == "model_not_found"
        assert apis(fault_server, f"{model}-{status}") == ["responses"]


def test_an_ordinary_400_is_not_a_route_rejection(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    fault_server.script(
        model, lemon_error(400, message="temperature must be <= 2", param="temperature"), Step()
    )
    o = driver.run(fault_server.base_url, model=model, api="auto")
    assert isinstance(o.error, BadRequestError)
    assert apis(fault_server, model) == ["responses"]


def test_fallback_happens_once(driver: Driver, fault_server: FaultServer, model: str) -> None:
    """Chat rejected too: the chat error is raised, nothing else is tried or remembered."""
    fault_server.script(model, REJECTIONS["404-route"], REJECTIONS["405"])
    o = driver.run(fault_server.base_url, model=model, api="auto")
    assert o.error is not None and o.error.status_code == 405
    assert apis(fault_server, model) == ["responses", "chat"]
    assert ROUTES.get(fault_server.base_url, model) is None


def test_fallback_after_output_never_happens(
    driver: Driver, fault_server: FaultServer, model: str
) -> None:
    error = {"message": "Responses API not supported", "code": "unsupported_api"}
    fault_server.script(model, Step(stream_error=(8, error)), Step())
    o = driver.run(fault_server.base_url, model=model, api="auto")
    assert o.error is not None and o.error.output_received
    assert apis(fault_server, model) == ["responses"]


def test_auto_with_stop_stays_on_responses(fault_server: FaultServer, model: str) -> None:
    """``stop`` works on both APIs (client-side on Responses), so it does not pick the route."""
    fault_server.script(model, Step())
    client = LemonDataClient(api_key=KEY, base_url=fault_server.base_url)
    with client, client.stream(model=model, messages=MESSAGES, api="auto", stop=[", "]) as s:
        result = s.until_done()
    assert result.text == TEXT.split(", ")[0] and result.finish_reason == "stop"
    assert s.api == "responses" and "stop" not in s.request_body
    assert apis(fault_server, model) == ["responses"]


def test_create_falls_back_too(driver: Driver, fault_server: FaultServer, model: str) -> None:
    fault_server.script(model, REJECTIONS["501"], Step())
    result = driver.create(fault_server.base_url, model=model, api="auto")
    assert result.text == TEXT and result.api == "chat"
    assert apis(fault_server, model) == ["responses", "chat"]
    assert ROUTES.get(fault_server.base_url, model) == "chat"
