"""``client.pricing(model=None)`` on both clients against the testing kit's
``GET /v1/pricing`` over real HTTP on 127.0.0.1, and the reader on its own."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from lemon_adapters import AsyncLemonDataClient, LemonDataClient, ModelNotFoundError, ModelPrice
from lemon_adapters.core.endpoints.pricing import price_list
from lemon_adapters.core.errors import MalformedStreamError
from lemon_adapters.testing import DevServer
from lemon_adapters.testing.contract import PRICES


def test_the_whole_price_list_typed() -> None:
    with DevServer() as server:
        client = LemonDataClient(api_key="sk-test-1", base_url=server.base_url)
        try:
            prices = client.pricing()
        finally:
            client.close()
    assert [p.model for p in prices] == [row["model"] for row in PRICES]
    gpt = prices[0]
    assert isinstance(gpt, ModelPrice)
    assert (gpt.input_per_1m, gpt.output_per_1m, gpt.per_request) == (
        Decimal("2.50"),
        Decimal("10.00"),
        None,
    )
    assert (gpt.is_lock_price, gpt.currency) == (False, "USD")
    rerank = prices[-1]
    assert (rerank.input_per_1m, rerank.per_request) == (None, Decimal("0.001"))


def test_one_model_async() -> None:
    async def run() -> list[ModelPrice]:
        with DevServer() as server:
            client = AsyncLemonDataClient(api_key="sk-test-1", base_url=server.base_url)
            try:
                return await client.pricing(model="claude-sonnet-4-6")
            finally:
                await client.aclose()

    [price] = asyncio.run(run())
    assert (price.model, price.input_per_1m, price.output_per_1m) == (
        "claude-sonnet-4-6",
        Decimal("3.00"),
        Decimal("15.00"),
    )


def test_the_model_is_sent_as_a_query_parameter_and_an_unknown_one_is_an_error() -> None:
    with DevServer() as server:
        client = LemonDataClient(api_key="sk-test-1", base_url=server.base_url)
        try:
            with pytest.raises(ModelNotFoundError):
                client.pricing(model="no-such-model")
            [price] = client.pricing(model="gpt-4o-mini")
        finally:
            client.close()
    assert price.output_per_1m == Decimal("0.60")


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"model": "m", "input_per_1m": "1.5"}},
        {"model": "m", "input_per_1m": "1.5"},
        {"object": "list", "data": [{"id": "m", "input_per_1m": 1.5}]},
    ],
)
def test_the_reader_takes_one_or_many(answer: object) -> None:
    [price] = price_list(answer)
    assert (price.model, price.input_per_1m, price.output_per_1m) == ("m", Decimal("1.5"), None)


@pytest.mark.parametrize("value", ["", "free", "NaN", True, [], {"usd": 1}])
def test_a_price_that_is_not_a_number_is_none(value: object) -> None:
    [price] = price_list({"data": [{"model": "m", "per_request": value}]})
    assert price.per_request is None


@pytest.mark.parametrize("answer", [{"data": "x"}, {"data": [{"input_per_1m": "1"}]}, "x"])
def test_an_answer_without_prices_is_malformed(answer: object) -> None:
    with pytest.raises(MalformedStreamError):
        price_list(answer)
