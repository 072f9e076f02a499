"""A LlamaIndex query engine streaming its answer over a few documents.

Run: ``python examples/llamaindex_query_engine.py`` (offline unless LEMONDATA_API_KEY is set).
The embeddings are LlamaIndex's ``MockEmbedding`` so the example needs no embedding model.
"""

from __future__ import annotations

import asyncio

from _offline import MODEL, lemondata
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding

from lemon_adapters.llama_index import LemonData

DOCS = [
    "Lemons are citrus fruits rich in vitamin C.",
    "Lemon juice is about five percent citric acid, which makes it sour.",
    "Meyer lemons are a cross between a lemon and a mandarin orange.",
]


async def main() -> None:
    """Stream a query sync, then async."""
    Settings.llm = LemonData(model=MODEL)
    Settings.embed_model = MockEmbedding(embed_dim=8)
    index = VectorStoreIndex.from_documents([Document(text=t) for t in DOCS])
    engine = index.as_query_engine(streaming=True, similarity_top_k=3)
    response = engine.query("Why are lemons sour?")
    for token in response.response_gen:  # type: ignore[union-attr]
        print(token, end="", flush=True)
    print()
    aresponse = await engine.aquery("What is a Meyer lemon?")
    async for token in aresponse.async_response_gen():  # type: ignore[union-attr]
        print(token, end="", flush=True)
    print()


if __name__ == "__main__":
    with lemondata():
        asyncio.run(main())
