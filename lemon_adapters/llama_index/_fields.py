"""What LlamaIndex's classes (the LLM, the embedding, the reranker) share: the connection
fields, the constructor that reads them (refusing unknown arguments), the core clients and
closing them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from llama_index.core.bridge.pydantic import BaseModel, Field, PrivateAttr

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
        stall_timeout=getattr(owner, "stall_timeout", None),  # streaming classes only
        default_headers=owner.default_headers,
    )


class LemonDataConnection(BaseModel):
    """The connection fields and clients of a LlamaIndex class (put it first in the bases).

    Args:
        api_key: defaults to ``LEMONDATA_API_KEY``; never a field, so never serialized.
        base_url: alias ``api_base``; defaults to ``LEMONDATA_BASE_URL``, else the gateway.
        http_client, async_http_client: injected httpx clients (not closed here).
        **kwargs: the class's fields; any other keyword is refused, the closest field named.
    """

    base_url: str = Field(default=DEFAULT_BASE_URL, description="The gateway's /v1 URL.")
    timeout: float | None = Field(default=None, gt=0, description="Seconds (idle read).")
    max_retries: int = Field(default=2, ge=0, description="Re-sends of a failed request.")
    default_headers: dict[str, str] | None = Field(default=None, description="Extra headers.")
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request body fields for every call."
    )

    _clients: Clients = PrivateAttr()

    def __init__(
        self,
        *,
        api_key: str | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        **kwargs: Any,
    ) -> None:
        base_url = base_url_of(kwargs)
        refuse_unknown(type(self), kwargs)
        super().__init__(base_url=base_url, **kwargs)
        self._clients = clients_for(
            self, api_key=api_key, http_client=http_client, async_http_client=async_http_client
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle: LlamaIndex re-runs ``__init__`` from the fields, where the key is not;
        the pickled clients carry it (their arguments, never a pool)."""
        super().__setstate__(state)
        clients = (state.get("__pydantic_private__") or {}).get("_clients")
        if clients is not None:
            self._clients = clients

    def close(self) -> None:
        """Close the sync connection pool made here (injected clients stay open); it
        reopens on use."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the async connection pool made here for the running loop."""
        await self._clients.aclose()
