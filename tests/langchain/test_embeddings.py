"""``LemonDataEmbeddings`` and ``LemonDataRerank``: langchain-tests' standard embeddings
suites (the integration one against the local dev server, offline), and retrieval end to
end: an in-memory vector store, then the reranker as a contextual compressor."""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langchain_classic.retrievers import ContextualCompressionRetriever
from langchain_core.documents import Document
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.vectorstores import InMemoryVectorStore

from lemon_adapters.core.errors import RateLimitError
from lemon_adapters.langchain import LemonDataEmbeddings, LemonDataRerank
from lemon_adapters.testing.server import DevServer
from lemon_adapters.testing.vectors import token_count, vector

KEY = "sk-test-langchain-embeddings-0123456789"
DOCS = [
    "Lemons are citrus fruits rich in vitamin C; their juice is sour.",
    "The Eiffel Tower in Paris was completed in 1889 for the World's Fair.",
    "Python is a programming language known for dynamic typing.",
    "Mount Everest is the highest mountain above sea level.",
    "The Louvre in Paris is the world's most visited art museum.",
]
QUESTION = "When was the Eiffel Tower completed?"


@pytest.fixture(scope="module")
def devserver() -> Iterator[DevServer]:
    with DevServer() as server:
        yield server


def connection(server: DevServer) -> dict[str, Any]:
    return {"base_url": server.base_url, "api_key": KEY}


# -- langchain-tests' standard suites (they come with the dev extra) -------------------------

if importlib.util.find_spec("langchain_tests"):
    from langchain_tests.integration_tests import EmbeddingsIntegrationTests
    from langchain_tests.unit_tests import EmbeddingsUnitTests

    class TestLemonDataEmbeddingsUnit(EmbeddingsUnitTests):
        """The standard unit suite (construction, and construction from the environment)."""

        @property
        def embeddings_class(self) -> type[LemonDataEmbeddings]:
            return LemonDataEmbeddings

        @property
        def embedding_model_params(self) -> dict[str, Any]:
            return {"model": "text-embedding-3-small", "api_key": KEY}

        @property
        def init_from_env_params(
            self,
        ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
            return (
                {"LEMONDATA_API_KEY": KEY, "LEMONDATA_BASE_URL": "http://127.0.0.1:9/v1"},
                {},
                {"api_key": KEY, "base_url": "http://127.0.0.1:9/v1"},
            )

    class TestLemonDataEmbeddingsIntegration(EmbeddingsIntegrationTests):
        """The standard integration suite, against the local dev server."""

        @property
        def embeddings_class(self) -> type[LemonDataEmbeddings]:
            return LemonDataEmbeddings

        @pytest.fixture
        async def model(self, devserver: DevServer) -> AsyncIterator[LemonDataEmbeddings]:
            embeddings = LemonDataEmbeddings(
                model="text-embedding-3-small", **connection(devserver)
            )
            yield embeddings
            await embeddings.aclose()  # the async suite's pool, opened on this test's loop


# -- the embeddings ------------------------------------------------------------------------


def test_vectors_and_requests(devserver: DevServer) -> None:
    start = len(devserver.requests)
    embeddings = LemonDataEmbeddings(dimensions=64, chunk_size=2, **connection(devserver))
    vectors = embeddings.embed_documents(DOCS[:3])
    sent = devserver.requests[start:]
    assert [r["body"]["input"] for r in sent] == [DOCS[:2], DOCS[2:3]]
    assert sent[0]["body"]["dimensions"] == 64 and sent[0]["body"]["encoding_format"] == "base64"
    assert sent[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    assert vectors == [pytest.approx(vector(d, 64), abs=1e-7) for d in DOCS[:3]]
    assert embeddings.embed_documents([]) == [] and len(devserver.requests) == start + 2


async def test_async_vectors_match_sync(devserver: DevServer) -> None:
    embeddings = LemonDataEmbeddings(encoding_format="float", **connection(devserver))
    assert await embeddings.aembed_query(QUESTION) == embeddings.embed_query(QUESTION)
    assert await embeddings.aembed_documents(DOCS) == embeddings.embed_documents(DOCS)
    await embeddings.aclose()
    embeddings.close()


def test_errors_are_langchain_model_errors(devserver: DevServer) -> None:
    embeddings = LemonDataEmbeddings(model="error-429", max_retries=0, **connection(devserver))
    with pytest.raises(ModelRateLimitError) as caught:
        embeddings.embed_query("x")
    assert isinstance(caught.value, RateLimitError) and KEY not in str(caught.value)


def test_the_key_stays_secret(devserver: DevServer) -> None:
    embeddings = LemonDataEmbeddings(**connection(devserver))
    reranker = LemonDataRerank(**connection(devserver))
    for obj in (embeddings, reranker):
        assert KEY not in repr(obj) and KEY not in str(obj.model_dump())


def test_unknown_arguments_are_refused_or_moved(devserver: DevServer) -> None:
    with pytest.raises(ValueError, match="did you mean 'dimensions'"):
        LemonDataEmbeddings(dimension=8, **connection(devserver))
    with pytest.warns(UserWarning, match="moved to model_kwargs") as seen:
        embeddings = LemonDataEmbeddings(user="u-7", **connection(devserver))
    assert seen[0].filename == __file__  # the warning points at the caller's line
    start = len(devserver.requests)
    embeddings.embed_query("x")
    assert devserver.requests[start]["body"]["user"] == "u-7"
    with pytest.raises(ValueError, match="did you mean 'top_n'"):
        LemonDataRerank(top_k=2, **connection(devserver))


# -- the reranker ---------------------------------------------------------------------------


def test_rerank_keeps_the_best_documents_scored(devserver: DevServer) -> None:
    documents = [Document(page_content=d, metadata={"n": i}, id=str(i)) for i, d in enumerate(DOCS)]
    reranker = LemonDataRerank(top_n=2, **connection(devserver))
    start = len(devserver.requests)
    kept = reranker.compress_documents(documents, QUESTION)
    assert kept[0].id == "1" and len(kept) == 2
    assert kept[0].metadata["n"] == 1 and 0 < kept[0].metadata["relevance_score"] <= 1
    assert kept[0].metadata["relevance_score"] >= kept[1].metadata["relevance_score"]
    assert all("relevance_score" not in d.metadata for d in documents)  # copies, not changed
    body = devserver.requests[start]["body"]
    assert (body["model"], body["top_n"], body["query"]) == ("BAAI/bge-reranker-v2-m3", 2, QUESTION)


async def test_rerank_top_n_fits_the_documents_given(devserver: DevServer) -> None:
    reranker = LemonDataRerank(top_n=10, model="qwen3-rerank", **connection(devserver))
    two = [Document(page_content=DOCS[0]), Document(page_content=DOCS[1])]
    start = len(devserver.requests)
    assert len(await reranker.acompress_documents(two, QUESTION)) == 2
    await reranker.aclose()
    assert devserver.requests[start]["body"]["top_n"] == 2
    assert reranker.compress_documents([], QUESTION) == []
    assert len(devserver.requests) == start + 1
    everything = LemonDataRerank(top_n=None, **connection(devserver))
    assert len(everything.compress_documents(two, QUESTION)) == 2


# -- retrieval end to end ---------------------------------------------------------------------


def _store(server: DevServer) -> InMemoryVectorStore:
    store = InMemoryVectorStore(LemonDataEmbeddings(**connection(server)))
    store.add_texts(DOCS)
    return store


def test_contextual_compression_retriever(devserver: DevServer) -> None:
    retriever = ContextualCompressionRetriever(
        base_compressor=LemonDataRerank(top_n=1, **connection(devserver)),
        base_retriever=_store(devserver).as_retriever(search_kwargs={"k": 3}),
    )
    found = retriever.invoke(QUESTION)
    assert [d.page_content for d in found] == [DOCS[1]]
    assert found[0].metadata["relevance_score"] > 0.3


async def test_contextual_compression_retriever_async(devserver: DevServer) -> None:
    retriever = ContextualCompressionRetriever(
        base_compressor=LemonDataRerank(top_n=2, **connection(devserver)),
        base_retriever=_store(devserver).as_retriever(search_kwargs={"k": 4}),
    )
    found = await retriever.ainvoke("Which fruit is rich in vitamin C?")
    assert found[0].page_content == DOCS[0] and len(found) == 2
    await retriever.base_compressor.aclose()
    await retriever.base_retriever.vectorstore.embeddings.aclose()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_vector_store_then_reranker(devserver: DevServer, mode: str) -> None:
    """What ContextualCompressionRetriever does, with langchain-core alone: retrieve from
    the vector store, then compress with the reranker."""
    retriever = _store(devserver).as_retriever(search_kwargs={"k": 3})
    reranker = LemonDataRerank(top_n=1, **connection(devserver))
    question = "Which museum in Paris has the most visitors?"
    if mode == "sync":
        found = reranker.compress_documents(retriever.invoke(question), question)
    else:
        found = await reranker.acompress_documents(await retriever.ainvoke(question), question)
        await reranker.aclose()
        await retriever.vectorstore.embeddings.aclose()
    assert [d.page_content for d in found] == [DOCS[4]]


def test_usage_the_server_reports_is_what_it_counted(devserver: DevServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        embeddings = LemonDataEmbeddings(**connection(devserver))
        result = embeddings.clients.sync.embed(DOCS, model=embeddings.model)
    assert result.usage.prompt_tokens == sum(token_count(d) for d in DOCS)
