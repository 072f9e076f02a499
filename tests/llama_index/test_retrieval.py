"""Retrieval on LemonData in LlamaIndex, end to end against the local dev server: a
``VectorStoreIndex`` built with ``LemonDataEmbedding``, queried through a streaming query
engine whose ``LemonDataRerank`` keeps the right document; token counting; the tokenizer
hook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import llama_index.core
import pytest
from llama_index.core import Settings, VectorStoreIndex
from llama_index.core.callbacks import CallbackManager, CBEventType, TokenCountingHandler
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from lemon_adapters.core.tokens import count_tokens
from lemon_adapters.llama_index import (
    LemonData,
    LemonDataEmbedding,
    LemonDataRerank,
    tokenizer,
)
from lemon_adapters.testing.server import demo_responder
from lemon_adapters.testing.vectors import token_count

from .conftest import Served

KEY = "sk-test-llama-retrieval-0123456789"
DOCS = [
    "Lemons are citrus fruits rich in vitamin C; their juice is sour.",
    "The Eiffel Tower in Paris was completed in 1889 for the World's Fair.",
    "Python is a programming language known for dynamic typing.",
    "Mount Everest is the highest mountain above sea level.",
    "The Louvre in Paris is the world's most visited art museum.",
]
QUESTION = "When was the Eiffel Tower completed?"


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    return serve(demo_responder)


@pytest.fixture
def event_loop_for_llama_index() -> Iterator[None]:
    """LlamaIndex's sync query engine counts prompt tokens through ``asyncio_run``, which
    opens an event loop for the thread when there is none and never closes it; this test
    gives it one and closes it."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


def connection(server: Served) -> dict[str, Any]:
    return {"base_url": server.base_url, "api_key": KEY}


def nodes() -> list[TextNode]:
    return [TextNode(text=t, id_=f"doc-{i}") for i, t in enumerate(DOCS)]


def engine(server: Served, **index_options: Any) -> Any:
    embed_model = LemonDataEmbedding(**connection(server))
    index = VectorStoreIndex(nodes(), embed_model=embed_model, **index_options)
    return index.as_query_engine(
        streaming=True,
        llm=LemonData(model="gpt-4o-mini", max_retries=0, **connection(server)),
        node_postprocessors=[LemonDataRerank(top_n=1, **connection(server))],
        similarity_top_k=3,
    )


def check_answer(server: Served, answer: str, sources: list[NodeWithScore]) -> None:
    """The reranker kept the Eiffel Tower document alone, and the model answered from it."""
    assert DOCS[1] in answer
    assert [n.node.node_id for n in sources] == ["doc-1"]
    assert sources[0].score is not None and 0.3 < sources[0].score <= 1.0
    routes = [r["api"] for r in server.requests]
    assert routes[:3] == ["embeddings", "embeddings", "rerank"] and routes[3] in ("responses",)
    assert server.requests[0]["body"]["input"] == DOCS  # one batch for the index
    assert server.requests[1]["body"]["input"] == [QUESTION]
    assert len(server.requests[2]["body"]["documents"]) == 3  # similarity_top_k


@pytest.mark.usefixtures("event_loop_for_llama_index")
def test_query_engine_answers_from_the_right_document(served: Served) -> None:
    response = engine(served).query(QUESTION)
    answer = "".join(response.response_gen)
    check_answer(served, answer, response.source_nodes)


async def test_query_engine_answers_from_the_right_document_async(served: Served) -> None:
    query_engine = engine(served)
    response = await query_engine.aquery(QUESTION)
    answer = "".join([token async for token in response.async_response_gen()])
    check_answer(served, answer, response.source_nodes)
    await query_engine._response_synthesizer._llm.aclose()
    await query_engine._retriever._embed_model.aclose()
    for postprocessor in query_engine._node_postprocessors:
        await postprocessor.aclose()


# -- token counting ------------------------------------------------------------------------


def test_embedding_tokens_counted_are_the_server_usage(served: Served) -> None:
    embed_model = LemonDataEmbedding(embed_batch_size=2, **connection(served))
    counter = TokenCountingHandler(tokenizer=embed_model.tokenizer)
    texts = [*DOCS, "Electrochemical impedance spectroscopy of 3,141,592 samples!"]
    index = VectorStoreIndex(
        [TextNode(text=t) for t in texts],
        embed_model=embed_model,
        callback_manager=CallbackManager([counter]),
    )
    index.as_retriever(similarity_top_k=2).retrieve(QUESTION)
    sent = [t for r in served.requests for t in r["body"]["input"]]
    assert len(served.requests) == 4 and sent == [*texts, QUESTION]  # 2 + 2 + 2, the query
    reported = sum(token_count(t) for t in sent)  # what the dev server put in usage
    assert counter.total_embedding_token_count == reported
    assert reported != sum(count_tokens(t) for t in sent)  # not the local estimate
    # Each share is handed out once; afterwards a text gets the estimate.
    assert len(embed_model.tokenizer(DOCS[0])) == count_tokens(DOCS[0])


def test_without_a_handler_nothing_is_kept(served: Served) -> None:
    embed_model = LemonDataEmbedding(**connection(served))
    embed_model.get_text_embedding_batch(DOCS)
    assert len(embed_model._pending) == 0


def test_the_tokenizer_hook_needs_no_download(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tokenizer("Hello, world!") == [0] * count_tokens("Hello, world!")
    monkeypatch.setattr(llama_index.core, "global_tokenizer", llama_index.core.global_tokenizer)
    monkeypatch.setattr(Settings, "_tokenizer", Settings._tokenizer)
    Settings.tokenizer = tokenizer
    counter = TokenCountingHandler()  # the global tokenizer: ours
    embed_model = LemonDataEmbedding(**connection(served))
    VectorStoreIndex(nodes(), embed_model=embed_model, callback_manager=CallbackManager([counter]))
    # Without the model's own tokenizer the handler counts the estimate.
    assert counter.total_embedding_token_count == sum(count_tokens(d) for d in DOCS)


# -- the reranker and the embedding model on their own ----------------------------------------


class Events(BaseCallbackHandler):
    """Records the callback events a component reports."""

    def __init__(self) -> None:
        super().__init__([], [])
        self.ends: list[tuple[CBEventType, dict[str, Any]]] = []

    def on_event_start(self, event_type: CBEventType, payload: Any = None, **kw: Any) -> str:
        return str(kw.get("event_id", ""))

    def on_event_end(self, event_type: CBEventType, payload: Any = None, **kw: Any) -> None:
        self.ends.append((event_type, dict(payload or {})))

    def start_trace(self, trace_id: str | None = None) -> None:
        return

    def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
        return


def scored_nodes() -> list[NodeWithScore]:
    return [NodeWithScore(node=n, score=0.5) for n in nodes()]


def test_rerank_scores_the_nodes_and_reports_the_event(served: Served) -> None:
    events = Events()
    reranker = LemonDataRerank(
        top_n=2, callback_manager=CallbackManager([events]), **connection(served)
    )
    given = scored_nodes()
    kept = reranker.postprocess_nodes(given, query_str=QUESTION)
    assert kept[0].node.node_id == "doc-1" and len(kept) == 2
    assert kept[0].score is not None and kept[1].score is not None
    assert kept[0].score >= kept[1].score
    assert all(n.score == 0.5 for n in given)  # new NodeWithScore objects
    assert [e for e, _ in events.ends] == [CBEventType.RERANKING]
    body = served.requests[0]["body"]
    assert (body["model"], body["top_n"], body["query"]) == ("BAAI/bge-reranker-v2-m3", 2, QUESTION)


async def test_rerank_async_and_edge_cases(served: Served) -> None:
    reranker = LemonDataRerank(top_n=None, model="qwen3-rerank", **connection(served))
    kept = await reranker.apostprocess_nodes(scored_nodes(), QueryBundle(QUESTION))
    assert len(kept) == len(DOCS) and kept[0].node.node_id == "doc-1"
    assert reranker.postprocess_nodes([], query_str=QUESTION) == []
    with pytest.raises(ValueError, match="needs the query"):
        reranker.postprocess_nodes(scored_nodes())
    assert len(served.requests) == 1
    await reranker.aclose()


async def test_embedding_model_batches_and_options(served: Served) -> None:
    embed_model = LemonDataEmbedding(
        model="text-embedding-3-large", dimensions=32, embed_batch_size=3, **connection(served)
    )
    vectors = embed_model.get_text_embedding_batch(DOCS)
    assert [len(r["body"]["input"]) for r in served.requests] == [3, 2]
    assert served.requests[0]["body"]["model"] == "text-embedding-3-large"
    assert {len(v) for v in vectors} == {32}
    assert await embed_model.aget_query_embedding(QUESTION) == embed_model.get_query_embedding(
        QUESTION
    )
    assert await embed_model.aget_text_embedding_batch(DOCS) == vectors
    await embed_model.aclose()
    embed_model.close()


def test_unknown_arguments_are_refused_and_the_key_is_never_a_field(served: Served) -> None:
    with pytest.raises(TypeError, match="did you mean 'dimensions'"):
        LemonDataEmbedding(dimension=8, **connection(served))
    with pytest.raises(TypeError, match="did you mean 'top_n'"):
        LemonDataRerank(top_k=2, **connection(served))
    for obj in (LemonDataEmbedding(**connection(served)), LemonDataRerank(**connection(served))):
        assert KEY not in repr(obj) and KEY not in str(obj.to_dict())
        assert obj.base_url == served.base_url
