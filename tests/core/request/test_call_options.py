"""Call options are typed and explicit; bad input is refused, never dropped or sent on.

The core clients take the keywords of ``core.request.Call`` and nothing else; the adapters
never drop an unknown constructor argument (LangChain: a near-miss of a field is refused,
anything else moves to ``model_kwargs`` with a warning, as ``ChatOpenAI`` does; LlamaIndex:
refused, naming the closest field); ``stop`` works on both APIs from both frameworks; both
adapters build their clients through the one ``Clients`` helper; a response without a
``Content-Type`` is refused on a stream, as the WHATWG EventSource rules refuse it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from lemon_adapters import (
    AsyncLemonDataClient,
    LemonDataClient,
    MalformedStreamError,
    TextDelta,
)
from lemon_adapters.core.http.pools import Clients
from lemon_adapters.testing.server import DevServer, Reply

KEY = "sk-test-options-0123456789"
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
TEXT = "First line.\n\nSecond paragraph, which must not arrive."


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    with DevServer(lambda api, body: Reply(text=TEXT, chunk_chars=3)) as srv:
        yield srv


# -- the core clients ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["stream", "create"])
def test_a_misspelled_call_option_is_a_type_error(method: str) -> None:
    client = LemonDataClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(TypeError, match=r"'dedline'; did you mean 'deadline'\?"):
        getattr(client, method)(model="m", messages=MESSAGES, dedline=5)
    with pytest.raises(TypeError, match=r"'logit_bias'; model parameters .* extra_body"):
        getattr(client, method)(model="m", messages=MESSAGES, logit_bias={"1": 2})
    with pytest.raises(TypeError, match="missing required keyword argument: 'messages'"):
        getattr(client, method)(model="m")


async def test_the_async_client_refuses_them_too() -> None:
    client = AsyncLemonDataClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(TypeError, match="'temprature'; did you mean 'temperature'"):
        client.stream(model="m", messages=MESSAGES, temprature=0.1)
    with pytest.raises(TypeError, match="'extra_heders'"):
        await client.create(model="m", messages=MESSAGES, extra_heders={})


def test_named_options_and_extra_body_reach_the_body(server: DevServer) -> None:
    with (
        LemonDataClient(api_key=KEY, base_url=server.base_url) as client,
        client.stream(
            model="m",
            messages=MESSAGES,
            api="chat",
            temperature=0.3,
            seed=7,
            extra_body={"logit_bias": {"1": 2}},
            extra_headers={"X-Trace": "t1"},
            deadline=30,
        ) as stream,
    ):
        stream.until_done()
    body = server.requests[-1]["body"]
    assert (body["temperature"], body["seed"], body["logit_bias"]) == (0.3, 7, {"1": 2})
    assert "deadline" not in body and "extra_headers" not in body
    headers = {k.lower(): v for k, v in server.requests[-1]["headers"].items()}
    assert headers["x-trace"] == "t1"


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_stop_works_on_both_apis(server: DevServer, api: str) -> None:
    with LemonDataClient(api_key=KEY, base_url=server.base_url) as client:
        result = client.create(model="m", messages=MESSAGES, api=api, stop=["\n\n"])
        with client.stream(model="m", messages=MESSAGES, api=api, stop="\n\n") as stream:
            seen = "".join(e.text for e in stream if isinstance(e, TextDelta))
    body = server.requests[-1]["body"]
    assert ("stop" in body) is (api == "chat")  # client-side on the Responses API
    if api == "responses":
        assert result.text == seen == "First line." and result.finish_reason == "stop"
    else:  # the dev server does not apply stop: the gateway would
        assert body["stop"] == "\n\n"


# -- no Content-Type --------------------------------------------------------------------


def _bare(body: bytes) -> httpx.MockTransport:
    """A transport answering 200 with ``body`` and no Content-Type at all."""
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body))


def test_a_stream_without_content_type_is_refused() -> None:
    sse = b'data: {"type":"response.completed","response":{"id":"r"}}\n\n'
    http = httpx.Client(transport=_bare(sse))
    client = LemonDataClient(api_key=KEY, base_url="http://gw.test/v1", http_client=http)
    stream = client.stream(model="m", messages=MESSAGES)
    with pytest.raises(MalformedStreamError, match="without a Content-Type") as info:
        list(stream)
    assert info.value.partial is not None and not info.value.output_received


def test_a_json_answer_without_content_type_is_read() -> None:
    answer = {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
    }
    http = httpx.Client(transport=_bare(json.dumps(answer).encode()))
    client = LemonDataClient(api_key=KEY, base_url="http://gw.test/v1", http_client=http)
    result = client.create(model="m", messages=MESSAGES, api="chat")
    assert result.text == "hi" and result.finish_reason == "stop"


# -- the adapters ---------------------------------------------------------------------------


def test_langchain_refuses_a_near_miss_and_keeps_the_rest_with_a_warning(
    server: DevServer,
) -> None:
    from lemon_adapters.langchain import ChatLemonData

    with pytest.raises(ValidationError, match="'temprature'; did you mean 'temperature'"):
        ChatLemonData(model="gpt-4o", temprature=0.2)
    with pytest.warns(UserWarning, match="'logit_bias' is not a field; it was moved") as seen:
        llm = ChatLemonData(
            model="gpt-4o", api="chat", base_url=server.base_url, api_key=KEY, logit_bias={"5": 1}
        )
    assert seen[0].filename == __file__  # the warning points at the caller's line
    assert llm.model_kwargs == {"logit_bias": {"5": 1}}
    llm.invoke("hi")
    assert server.requests[-1]["body"]["logit_bias"] == {"5": 1}


def test_llamaindex_refuses_unknown_arguments() -> None:
    from lemon_adapters.llama_index import LemonData

    with pytest.raises(TypeError, match="'temprature'; did you mean 'temperature'"):
        LemonData(model="gpt-4o", temprature=0.2)
    with pytest.raises(TypeError, match=r"'logit_bias'; .* additional_kwargs"):
        LemonData(model="gpt-4o", logit_bias={"5": 1})


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_llamaindex_stop_on_both_apis(server: DevServer, api: str) -> None:
    from llama_index.core.base.llms.types import ChatMessage

    from lemon_adapters.llama_index import LemonData

    llm = LemonData(model="m", api=api, base_url=server.base_url, api_key=KEY, stop=["\n\n"])
    chunks = list(llm.stream_chat([ChatMessage(role="user", content="Hi")]))
    body = server.requests[-1]["body"]
    if api == "responses":
        assert chunks[-1].message.content == "First line."
        assert chunks[-1].raw is not None and chunks[-1].raw["finish_reason"] == "stop"
    else:
        assert body["stop"] == ["\n\n"]
    llm.close()


def test_both_adapters_build_their_clients_through_one_helper(server: DevServer) -> None:
    from lemon_adapters.langchain import ChatLemonData
    from lemon_adapters.llama_index import LemonData

    lc = ChatLemonData(model="m", base_url=server.base_url, api_key=KEY)
    li = LemonData(model="m", base_url=server.base_url, api_key=KEY)
    assert isinstance(lc.clients, Clients) and isinstance(li._clients, Clients)
    assert lc.client is lc.clients.sync and lc.client is lc.client  # made once, reused
    lc.close()
    li.close()


def test_structured_output_is_the_same_method_for_every_model_name() -> None:
    from lemon_adapters.llama_index import LemonData

    for name in ("gpt-4o", "claude-sonnet-4-5", "some-new-model-2027"):
        llm = LemonData(model=name)
        assert llm.structured_output == "tool_call" and not llm._json_schema_mode()
