"""The connection fields that ChatLemonData and LangChain's retrieval classes share, and
their clients."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
from langchain_core.utils import from_env, secret_from_env
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from lemon_adapters.core.http.pools import Clients
from lemon_adapters.core.request.call import near_miss, unknown_keyword


def clients_of(model: Any) -> Clients:
    """The core clients of a LangChain model with the connection fields above (``api_key``,
    ``base_url``, ``timeout``, ``max_retries``, ``default_headers``, ``http_client``,
    ``http_async_client``), owned by ``model``."""
    return Clients(
        model,
        http_client=model.http_client,
        async_http_client=model.http_async_client,
        api_key=model.api_key.get_secret_value() if model.api_key else None,
        base_url=model.base_url,
        timeout=model.timeout,
        max_retries=model.max_retries,
        stall_timeout=getattr(model, "stall_timeout", None),  # streaming models only
        default_headers=model.default_headers,
    )


def move_unknown_arguments(model: type[BaseModel], values: Any, *, stacklevel: int = 4) -> Any:
    """A LangChain model's ``mode="before"`` validator for unknown keyword arguments,
    which are never dropped: a near-miss of a field name is refused (``temprature``),
    anything else moves into ``model_kwargs`` with a warning naming it, as ``ChatOpenAI``
    does, and is sent as a body parameter. ``stacklevel`` points the warning at the
    caller's line (one more for a class whose ``__init__`` adds a frame)."""
    if not isinstance(values, dict):
        return values
    known = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    unknown = [name for name in values if name not in known]
    if not unknown:
        return values
    values = dict(values)
    moved = dict(values.get("model_kwargs") or {})
    for name in unknown:
        if near_miss(name, known):  # ValueError: pydantic reports it as a ValidationError
            raise unknown_keyword(model.__name__, name, known, error=ValueError)
        warnings.warn(
            f"{model.__name__}: {name!r} is not a field; it was moved to model_kwargs and is"
            " sent as a body parameter. Pass it in model_kwargs={...} to say so.",
            UserWarning,
            stacklevel=stacklevel,
        )
        moved[name] = values.pop(name)
    values["model_kwargs"] = moved
    return values


class LemonDataFields(BaseModel):
    """Key, URL, timeouts, retries, headers and injected httpx clients, as on
    ``ChatLemonData``, and the :class:`~lemon_adapters.core.http.pools.Clients` made from them.

    Unknown keyword arguments are never dropped: a near-miss of a field name is refused
    (``modle``), anything else moves into ``model_kwargs`` with a warning and is sent as a
    body field.
    """

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("LEMONDATA_API_KEY", default=None)
    )
    """Defaults to ``LEMONDATA_API_KEY``; a missing key fails at call time."""
    base_url: str | None = Field(default_factory=from_env("LEMONDATA_BASE_URL", default=None))
    """Defaults to ``LEMONDATA_BASE_URL``, else ``https://api.lemondata.cc/v1``."""
    timeout: float | None = None
    """Seconds (idle read); LemonData advises at least 120 for large batches."""
    max_retries: int = 2
    """Re-sends of a failed request (connection errors, 408/409/429/5xx)."""
    default_headers: dict[str, str] | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other body fields, sent as given."""
    http_client: httpx.Client | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.Client`` to send sync requests with (not closed here)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx.AsyncClient`` to send async requests with (not closed here)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    _clients: Clients | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _unknown_arguments(cls, values: Any) -> Any:
        return move_unknown_arguments(cls, values)

    @property
    def clients(self) -> Clients:
        """The core clients (created on first use, reused across calls)."""
        if self._clients is None:
            self._clients = clients_of(self)
        return self._clients

    def close(self) -> None:
        """Close the sync connection pool (if created here); it reopens on use."""
        self.clients.close()

    async def aclose(self) -> None:
        """Close the running loop's async connection pool (if created here).

        Call it when done with an object used asynchronously, as with any ``httpx`` async
        client; otherwise idle keep-alive connections are left to the GC.
        """
        await self.clients.aclose()
