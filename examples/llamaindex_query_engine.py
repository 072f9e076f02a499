"""A LlamaIndex query engine on LemonData alone: embeddings find the passages, the reranker
keeps the best ones, the model streams its answer.

Run: ``python examples/llamaindex_query_engine.py`` (offline unless LEMONDATA_API_KEY is set).
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from llama_index.core import Document, Settings, VectorStoreIndex

from lemon_adapters.llama_index import LemonData, LemonDataEmbedding, LemonDataRerank

DOCS = [
    "Lemons are citrus fruits rich in vitamin C.",
    "Lemon juice is about five percent citric acid, which makes it sour.",
    "Meyer lemons are a cross between a lemon and a mandarin orange.",
]


async def main() -> None:
    """Stream a query sync, then async."""
    Settings.llm = LemonData(model=MODEL)
    Settings.embed_model = LemonDataEmbedding(model="text-embedding-3-small")
    index = VectorStoreIndex.from_documents([Document(text=t) for t in DOCS])
    engine = index.as_query_engine(
        streaming=True,
        similarity_top_k=3,
        node_postprocessors=[LemonDataRerank(model="BAAI/bge-reranker-v2-m3", top_n=1)],
    )
    response = engine.query("Why are lemons sour?")
    for token in response.response_gen:  # type: ignore[union-attr]
        print(token, end="", flush=True)
    print()
    best = response.source_nodes[0]
    print(f"(from: {best.get_content()!r}, relevance {best.score:.2f})")
    aresponse = await engine.aquery("What is a Meyer lemon?")
    async for token in aresponse.async_response_gen():  # type: ignore[union-attr]
        print(token, end="", flush=True)
    print()


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
