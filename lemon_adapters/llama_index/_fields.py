"""What LlamaIndex's classes (the LLM, the embedding, the reranker) share: connection
arguments, and refusing unknown ones."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from lemon_adapters.core.http.pools import Clients
from lemon_adapters.core.request.call import unknown_keyword

from ..core.client import DEFAULT_BASE_URL

if TYPE_CHECKING:
    import httpx


def base_url_of(kwargs: dict[str, Any]) -> str:
    """``base_url`` (or its alias ``api_base``) popped from ``kwargs``, else
    ``LEMONDATA_BASE_URL``, else the gateway."""
    return (
        kwargs.pop("base_url", None)
        or kwargs.pop("api_base", None)
        or os.environ.get("LEMONDATA_BASE_URL")
        or DEFAULT_BASE_URL
    )


def refuse_unknown(cls: type[Any], kwargs: dict[str, Any]) -> None:
    """LlamaIndex's pydantic models ignore unknown arguments; a misspelled option must not
    vanish, so any keyword that is not a field of ``cls`` is refused, the closest named."""
    fields = set(cls.model_fields)
    for name in kwargs:
        if name not in fields:
            elsewhere = "body parameters without a field go in additional_kwargs={...}"
            raise unknown_keyword(cls.__name__, name, fields, elsewhere=elsewhere)


def clients_for(
    owner: Any,
    *,
    api_key: str | None,
    http_client: httpx.Client | None,
    async_http_client: httpx.AsyncClient | None,
) -> Clients:
    """The core clients of a LlamaIndex object with ``base_url``, ``timeout``,
    ``max_retries`` and ``default_headers`` fields (the key is never a field)."""
    return Clients(
        owner,
        http_client=http_client,
        async_http_client=async_http_client,
        api_key=api_key if api_key is not None else os.environ.get("LEMONDATA_API_KEY"),
        base_url=owner.base_url,
        timeout=owner.timeout,
        max_retries=owner.max_retries,
        default_headers=owner.default_headers,
    )
