"""``LemonDataRerank``: a LlamaIndex node postprocessor over LemonData's ``/v1/rerank``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import llama_index.core.instrumentation as instrument
from llama_index.core.bridge.pydantic import Field
from llama_index.core.callbacks import CBEventType, EventPayload
from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle

from lemon_adapters.core.endpoints.retrieval import RerankResult

from ._fields import LemonDataConnection

if TYPE_CHECKING:
    pass

dispatcher = instrument.get_dispatcher(__name__)  # type: ignore[attr-defined]


class LemonDataRerank(LemonDataConnection, BaseNodePostprocessor):
    """Keeps the ``top_n`` nodes most relevant to the query, best first, each
    ``NodeWithScore.score`` the reranker's relevance score (0 to 1).

    Use it in ``node_postprocessors=[...]`` of a query engine or retriever. Nodes are
    ranked on their text as embedded (``MetadataMode.EMBED``); the returned
    ``NodeWithScore`` objects are new, the nodes themselves shared. It reports LlamaIndex's
    ``RERANKING`` callback event and ``ReRankStartEvent`` / ``ReRankEndEvent``.

    Args:
        model: the reranker (``BAAI/bge-reranker-v2-m3``, ``qwen3-rerank``...).
        top_n: nodes to keep (fewer if fewer came in); ``None`` keeps all, reordered.
        api_key: defaults to ``LEMONDATA_API_KEY``; never a field, so never serialized.
        base_url: alias ``api_base``; defaults to ``LEMONDATA_BASE_URL``, else the gateway.
        http_client, async_http_client: injected httpx clients (not closed here).
        **kwargs: the fields below.
    """

    model: str = Field(default="BAAI/bge-reranker-v2-m3", description="The reranker.")
    top_n: int | None = Field(default=3, gt=0, description="Nodes to keep.")

    @classmethod
    def class_name(cls) -> str:
        return "LemonDataRerank"

    def _args(self, nodes: list[NodeWithScore], query: QueryBundle | None) -> dict[str, Any]:
        if query is None:
            raise ValueError("LemonDataRerank needs the query: pass query_bundle or query_str")
        return {
            "query": query.query_str,
            "documents": [n.node.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes],
            "model": self.model,
            "top_n": None if self.top_n is None else min(self.top_n, len(nodes)),
            "extra_body": self.additional_kwargs or None,
        }

    @contextmanager
    def _reporting(
        self, nodes: list[NodeWithScore], query: QueryBundle | None
    ) -> Iterator[Callable[[list[NodeWithScore]], list[NodeWithScore]]]:
        """LlamaIndex's callback and instrumentation events around one ranking; the body
        hands the ranked nodes to the function it gets."""
        top_n = self.top_n or len(nodes)
        dispatcher.event(
            ReRankStartEvent(query=query, nodes=nodes, top_n=top_n, model_name=self.model)
        )
        payload: dict[str, Any] = {
            EventPayload.NODES: nodes,
            EventPayload.MODEL_NAME: self.model,
            EventPayload.QUERY_STR: query.query_str if query else None,
            EventPayload.TOP_K: top_n,
        }
        with self.callback_manager.event(CBEventType.RERANKING, payload=payload) as event:

            def finish(ranked: list[NodeWithScore]) -> list[NodeWithScore]:
                event.on_end(payload={EventPayload.NODES: ranked})
                dispatcher.event(ReRankEndEvent(nodes=ranked))
                return ranked

            yield finish

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        args = self._args(nodes, query_bundle)
        if not nodes:
            return []
        with self._reporting(nodes, query_bundle) as finish:
            return finish(_scored(nodes, self._clients.sync.rerank(**args)))

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        args = self._args(nodes, query_bundle)
        if not nodes:
            return []
        with self._reporting(nodes, query_bundle) as finish:
            return finish(_scored(nodes, await self._clients.async_.rerank(**args)))


def _scored(nodes: list[NodeWithScore], ranking: RerankResult) -> list[NodeWithScore]:
    return [
        NodeWithScore(node=nodes[hit.index].node, score=hit.relevance_score)
        for hit in ranking.results
    ]
