"""``LemonDataEmbeddings``: LangChain ``Embeddings`` over LemonData's ``/v1/embeddings``."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import Field

from lemon_adapters.core.endpoints.retrieval import DEFAULT_BATCH_SIZE, EncodingFormat

from ._fields import LemonDataFields
from .errors import translated_errors


class LemonDataEmbeddings(LemonDataFields, Embeddings):
    """Text embeddings from any LemonData embedding model.

    Requests go through :meth:`~lemon_adapters.LemonDataClient.embed`: batched (at most
    ``chunk_size`` texts and 250,000 characters per request), vectors in input order,
    sent as base64 on the wire and returned as floats. Errors are LangChain's model errors
    (see :mod:`lemon_adapters.langchain.errors`).
    """

    model: str = "text-embedding-3-small"
    """The embedding model (``text-embedding-3-small``, ``-3-large``, ``-ada-002``...)."""
    dimensions: int | None = Field(default=None, gt=0)
    """Shorter vectors (text-embedding-3 models); ``None``: the model's own size."""
    chunk_size: int = Field(default=DEFAULT_BATCH_SIZE, gt=0)
    """Texts per request."""
    encoding_format: EncodingFormat = "base64"
    """How vectors travel: ``"base64"`` (a quarter of the bytes) or ``"float"``."""

    def _options(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "dimensions": self.dimensions,
            "batch_size": self.chunk_size,
            "encoding_format": self.encoding_format,
            "extra_body": self.model_kwargs or None,
        }

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order (no request for an empty list)."""
        with translated_errors(self.model):
            return self.clients.sync.embed(texts, **self._options()).vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector of one text."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order, asynchronously."""
        with translated_errors(self.model):
            return (await self.clients.async_.embed(texts, **self._options())).vectors

    async def aembed_query(self, text: str) -> list[float]:
        """The vector of one text, asynchronously."""
        return (await self.aembed_documents([text]))[0]
