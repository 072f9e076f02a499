"""Retrieval in LangChain on LemonData alone: ``LemonDataEmbeddings`` in a vector store,
``LemonDataRerank`` as the compressor of a ``ContextualCompressionRetriever``, and
``ChatLemonData`` answering from what was retrieved.

Run: ``python examples/langchain_retrieval.py`` (offline unless LEMONDATA_API_KEY is set).
``ContextualCompressionRetriever`` lives in ``langchain-classic`` (``pip install
langchain-classic``); the vector store is langchain-core's own.
"""

from __future__ import annotations

from _offline import MODEL, lemondata
from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore

from lemon_adapters.langchain import ChatLemonData, LemonDataEmbeddings, LemonDataRerank

DOCS = [
    "Lemons are citrus fruits rich in vitamin C.",
    "Lemon juice is about five percent citric acid, which makes it sour.",
    "Meyer lemons are a cross between a lemon and a mandarin orange.",
    "The Eiffel Tower was completed in 1889.",
]


def main() -> None:
    """Index, retrieve and rerank, then stream an answer from the best passage."""
    store = InMemoryVectorStore(LemonDataEmbeddings(model="text-embedding-3-small"))
    store.add_texts(DOCS)
    retriever = ContextualCompressionRetriever(
        base_compressor=LemonDataRerank(model="BAAI/bge-reranker-v2-m3", top_n=1),
        base_retriever=store.as_retriever(search_kwargs={"k": 3}),
    )
    question = "Why are lemons sour?"
    found = retriever.invoke(question)
    for doc in found:
        print(f"[{doc.metadata['relevance_score']:.2f}] {doc.page_content}")
    prompt = ChatPromptTemplate.from_messages(
        [("user", "Answer from this context only.\n{context}\n\nQuery: {question}\nAnswer:")]
    )
    chain = prompt | ChatLemonData(model=MODEL)
    context = "\n".join(doc.page_content for doc in found)
    for chunk in chain.stream({"context": context, "question": question}):
        print(chunk.text, end="", flush=True)
    print()


if __name__ == "__main__":
    with lemondata():
        main()
