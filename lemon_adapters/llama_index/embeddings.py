"""``LemonDataEmbedding``: a LlamaIndex embedding model over LemonData's ``/v1/embeddings``."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr

from lemon_adapters.core.endpoints.retrieval import EmbeddingResult, EncodingFormat

from ..core.tokens import apportion, count_tokens
from ._fields import LemonDataConnection

if TYPE_CHECKING:
    pass

#: Texts whose share of a reported usage may wait for a token counter to ask for it.
_PENDING_LIMIT = 8192


class LemonDataEmbedding(LemonDataConnection, BaseEmbedding):
    """Any LemonData embedding model for LlamaIndex (indexes, retrievers, query engines).

    Each of LlamaIndex's batches (``embed_batch_size`` texts) is one
    :meth:`~lemon_adapters.LemonDataClient.embed` call, itself split further if it passes
    250,000 characters; vectors travel as base64 and come back as floats.

    Token counting: ``TokenCountingHandler`` counts embedding tokens by running its
    tokenizer over each embedded text. Give it this model's :meth:`tokenizer` and the
    counts of the texts just embedded add up to the ``usage.prompt_tokens`` the server
    reported (see :meth:`tokenizer`).

    Args:
        model_name: the embedding model (alias ``model``).
        api_key: defaults to ``LEMONDATA_API_KEY``; never a field, so never serialized.
        base_url: alias ``api_base``; defaults to ``LEMONDATA_BASE_URL``, else the gateway.
        http_client, async_http_client: injected httpx clients (not closed here).
        **kwargs: the fields below, and ``BaseEmbedding``'s (``embed_batch_size``,
            ``callback_manager``, ``num_workers``...).
    """

    model_name: str = Field(
        default="text-embedding-3-small", description="The LemonData embedding model."
    )
    dimensions: int | None = Field(
        default=None, gt=0, description="Shorter vectors (text-embedding-3 models)."
    )
    encoding_format: EncodingFormat = Field(
        default="base64", description="How vectors travel: base64 (smaller) or float."
    )
    _pending: OrderedDict[str, deque[int]] = PrivateAttr(default_factory=OrderedDict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, **kwargs: Any) -> None:
        if "model" in kwargs:
            kwargs["model_name"] = kwargs.pop("model")
        kwargs.setdefault("embed_batch_size", 100)
        super().__init__(**kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "LemonDataEmbedding"

    # -- requests --------------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "dimensions": self.dimensions,
            "encoding_format": self.encoding_format,
            "batch_size": self.embed_batch_size,
            "extra_body": self.additional_kwargs or None,
        }

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._vectors(texts, self._clients.sync.embed(texts, **self._options()))

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        result = await self._clients.async_.embed(texts, **self._options())
        return self._vectors(texts, result)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aget_text_embeddings([text]))[0]

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._get_text_embeddings([query])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aget_text_embeddings([query]))[0]

    # -- token counting -------------------------------------------------------------------

    def _vectors(self, texts: list[str], result: EmbeddingResult) -> list[Embedding]:
        """The vectors; with a callback handler attached, each text's share of the reported
        usage is kept for :meth:`tokenizer` (the handler asks right after this returns)."""
        if self.callback_manager.handlers and texts:
            shares = apportion(result.usage.prompt_tokens, [count_tokens(t) for t in texts])
            with self._lock:
                for text, share in zip(texts, shares, strict=True):
                    self._pending.setdefault(text, deque()).append(share)
                    self._pending.move_to_end(text)
                while len(self._pending) > _PENDING_LIMIT:
                    self._pending.popitem(last=False)
        return result.vectors

    def tokenizer(self, text: str) -> list[int]:
        """A tokenizer for ``TokenCountingHandler(tokenizer=embed_model.tokenizer)`` whose
        embedding counts equal what the server reported.

        For a text this model has just embedded (while a callback handler was attached),
        the list is as long as the text's share of its request's ``usage.prompt_tokens``
        (shares in proportion to the estimated size of each text, adding up exactly to
        the reported figure); each share is handed out once. Any other text (an LLM
        prompt the LLM reported no usage for, a text read from ``embeddings_cache``) gets
        the estimate of :func:`lemon_adapters.llama_index.tokenizer`. The list holds zeros,
        not token ids.
        """
        with self._lock:
            pending = self._pending.get(text)
            if pending:
                share = pending.popleft()
                if not pending:
                    del self._pending[text]
                return [0] * share
        return [0] * count_tokens(text)
