"""What LemonData charges: ``GET /v1/pricing`` and ``GET /v1/pricing?model=...``.

Each model's prices are ``input_per_1m`` and ``output_per_1m`` (per million tokens) and
``per_request`` (for models billed per call), sent as decimal strings so no precision is
lost; ``is_lock_price`` (the price is locked for the account) and ``currency``. They are
read as :class:`~decimal.Decimal`, ``None`` where the gateway gives none (or gives
something that is not a number); the whole object is kept as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lemon_adapters.core.errors import MalformedStreamError


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelPrice:
    """One model's prices as LemonData lists them.

    Attributes:
        model: the model name.
        input_per_1m: per million input tokens.
        output_per_1m: per million output tokens.
        per_request: per call, for models billed per request.
        is_lock_price: the price is locked for this account.
        currency: ``USD``... as given.
        raw: the whole price object, as sent.
    """

    model: str
    input_per_1m: Decimal | None = None
    output_per_1m: Decimal | None = None
    per_request: Decimal | None = None
    is_lock_price: bool | None = None
    currency: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


def model_price(obj: Any) -> ModelPrice:
    """A :class:`ModelPrice` from one price object.

    Raises:
        MalformedStreamError: ``obj`` is not an object naming its model.
    """
    name = obj.get("model", obj.get("id")) if isinstance(obj, dict) else None
    if not isinstance(name, str):
        raise MalformedStreamError(f"not a model price: {str(obj)[:200]!r}")
    lock = obj.get("is_lock_price")
    currency = obj.get("currency")
    return ModelPrice(
        model=name,
        input_per_1m=_decimal(obj.get("input_per_1m")),
        output_per_1m=_decimal(obj.get("output_per_1m")),
        per_request=_decimal(obj.get("per_request")),
        is_lock_price=lock if isinstance(lock, bool) else None,
        currency=currency if isinstance(currency, str) else None,
        raw=obj,
    )


def price_list(obj: Any) -> list[ModelPrice]:
    """The prices of a ``GET /v1/pricing`` answer: ``{"data": [...]}`` (or one model's
    ``{"data": {...}}``, or the price object itself).

    Raises:
        MalformedStreamError: the answer holds no price objects.
    """
    data = obj.get("data", obj) if isinstance(obj, dict) else obj
    if isinstance(data, dict):
        return [model_price(data)]
    if not isinstance(data, list):
        raise MalformedStreamError(f"not a price list: {str(obj)[:200]!r}")
    return [model_price(item) for item in data]


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None
