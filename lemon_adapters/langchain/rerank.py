"""``LemonDataRerank``: a LangChain document compressor over LemonData's ``/v1/rerank``."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import Field

from lemon_adapters.core.endpoints.retrieval import RerankOptions, RerankResult

from ._fields import LemonDataFields
from .errors import translated_errors


class LemonDataRerank(LemonDataFields, BaseDocumentCompressor):
    """Keeps the ``top_n`` documents most relevant to the query, best first, each with
    ``metadata["relevance_score"]`` (the reranker's score, 0 to 1).

    Use it as a ``ContextualCompressionRetriever``'s ``base_compressor``. Documents are
    copied, never changed in place; no request is sent for an empty list.
    """

    model: str = "BAAI/bge-reranker-v2-m3"
    """The reranker (``BAAI/bge-reranker-v2-m3``, ``qwen3-rerank``...)."""
    top_n: int | None = Field(default=3, gt=0)
    """Documents to keep (fewer if fewer were given); ``None`` keeps all, reordered."""

    def _options(self, documents: Sequence[Document]) -> RerankOptions:
        top_n = None if self.top_n is None else min(self.top_n, len(documents))
        return {"model": self.model, "top_n": top_n, "extra_body": self.model_kwargs or None}

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """The most relevant documents, best first, scored in their metadata."""
        if not documents:
            return []
        with translated_errors(self.model):
            texts = [d.page_content for d in documents]
            ranking = self.clients.sync.rerank(query, texts, **self._options(documents))
        return _scored(documents, ranking)

    async def acompress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """The most relevant documents, best first, asynchronously."""
        if not documents:
            return []
        with translated_errors(self.model):
            texts = [d.page_content for d in documents]
            ranking = await self.clients.async_.rerank(query, texts, **self._options(documents))
        return _scored(documents, ranking)


def _scored(documents: Sequence[Document], ranking: RerankResult) -> list[Document]:
    return [
        documents[hit.index].model_copy(
            update={
                "metadata": {
                    **documents[hit.index].metadata,
                    "relevance_score": hit.relevance_score,
                }
            }
        )
        for hit in ranking.results
    ]
