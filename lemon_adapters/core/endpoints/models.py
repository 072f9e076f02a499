"""What LemonData says about its models: ``GET /v1/models`` and ``GET /v1/models/{model}``.

A model object is ``id``, ``object``, ``created``, ``owned_by`` and LemonData's extension
``lemondata`` (``category``: chat, embedding, rerank, image...; ``pricing_unit``;
``capability_flags`` and ``supported_operations``, detail-only fields such as
``public_contract``; ``agent_preferences`` when ``recommended_for`` was asked). The typed
fields below are read defensively (a field of the wrong type is ``None``); the extension
and the whole object are kept as sent, so nothing the gateway adds later is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lemon_adapters.core.errors import MalformedResponseError


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """One model as LemonData lists it.

    Attributes:
        id: the name to pass as ``model``.
        owned_by: the provider (``openai``, ``anthropic``, ``google``...).
        created: a Unix timestamp, when given.
        category: ``chat``, ``embedding``, ``rerank``, ``image``... (``lemondata.category``).
        pricing_unit: ``per_token``, ``per_image``... when given.
        capability_flags: the capability summary (detail endpoint), as sent.
        supported_operations: non-chat operations, when given.
        lemondata: the whole ``lemondata`` extension, as sent.
        raw: the whole model object, as sent.
    """

    id: str
    owned_by: str | None = None
    created: int | None = None
    category: str | None = None
    pricing_unit: str | None = None
    capability_flags: Mapping[str, Any] | None = None
    supported_operations: list[str] | None = None
    lemondata: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


def model_info(obj: Any) -> ModelInfo:
    """A :class:`ModelInfo` from one model object.

    Raises:
        MalformedResponseError: ``obj`` is not an object with a string ``id``.
    """
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise MalformedResponseError(f"not a model object: {str(obj)[:200]!r}")
    ext = obj.get("lemondata")
    ext = ext if isinstance(ext, dict) else {}
    operations = ext.get("supported_operations")
    flags = ext.get("capability_flags")
    created = obj.get("created")
    return ModelInfo(
        id=obj["id"],
        owned_by=_text(obj.get("owned_by")),
        created=created if isinstance(created, int) and not isinstance(created, bool) else None,
        category=_text(ext.get("category")),
        pricing_unit=_text(ext.get("pricing_unit")),
        capability_flags=flags if isinstance(flags, dict) else None,
        supported_operations=(
            [o for o in operations if isinstance(o, str)] if isinstance(operations, list) else None
        ),
        lemondata=ext,
        raw=obj,
    )


def model_list(obj: Any) -> list[ModelInfo]:
    """The models of a ``GET /v1/models`` answer (``{"object": "list", "data": [...]}``).

    Raises:
        MalformedResponseError: the answer has no ``data`` list, or an entry is not a model.
    """
    data = obj.get("data") if isinstance(obj, dict) else None
    if not isinstance(data, list):
        raise MalformedResponseError(f"not a model list: {str(obj)[:200]!r}")
    return [model_info(item) for item in data]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
