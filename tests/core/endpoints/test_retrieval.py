"""Embeddings and rerank in the core: the pure jobs and readers, then both clients against
the dev server (and a scripted server for out-of-order, malformed and failing answers).

Every client test body runs once with the sync client and once with the async one.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from lemon_adapters import AsyncLemonDataClient, LemonDataClient
from lemon_adapters.core.endpoints.retrieval import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_BATCH_CHARS,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENTS,
    MAX_QUERY_CHARS,
    EmbeddingJob,
    RerankJob,
    TokenUsage,
    embedding_batches,
    read_embeddings,
    read_rerank,
)
from lemon_adapters.core.errors import (
    DEADLINE_CODE,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    MalformedStreamError,
    ModelNotFoundError,
    RateLimitError,
)
from lemon_adapters.core.http.config import ClientConfig, Timeouts
from lemon_adapters.core.http.retry import RetryPolicy, RouteMemory
from lemon_adapters.testing.server import DevServer
from lemon_adapters.testing.vectors import embeddings, token_count, vector

KEY = "sk-test-retrieval-0123456789abcdef"
EMBED = "text-embedding-3-small"
RERANK = "BAAI/bge-reranker-v2-m3"
DOCS = [
    "Lemons are citrus fruits rich in vitamin C; their juice is sour.",
    "The Eiffel Tower in Paris was completed in 1889.",
    "Python is a programming language with dynamic typing.",
    "Mount Everest is the highest mountain above sea level.",
]


def b64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def config(**overrides: Any) -> ClientConfig:
    fields: dict[str, Any] = {
        "api_key": KEY,
        "base_url": "http://127.0.0.1:9/v1",
        "timeouts": Timeouts(1.0, 1.0, 1.0, 1.0),
        "retry": RetryPolicy(0),
        "deadline": None,
        "default_headers": {},
        "routes": RouteMemory(),
    }
    fields.update(overrides)
    return ClientConfig(**fields)


# -- pure: batching ------------------------------------------------------------------------


def test_batches_by_count() -> None:
    assert embedding_batches(["a"] * 5, 2, 1000) == [(0, 2), (2, 4), (4, 5)]


def test_batches_by_size_and_an_oversized_text_goes_alone() -> None:
    texts = ["x" * 40, "x" * 40, "x" * 30, "x" * 500, "x" * 10]
    assert embedding_batches(texts, 100, 100) == [(0, 2), (2, 3), (3, 4), (4, 5)]


def test_batches_of_nothing() -> None:
    assert embedding_batches([], 10, 10) == []


def test_documented_defaults() -> None:
    assert (DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_CHARS) == (512, 250_000)
    job = EmbeddingJob(config(), ["a"] * 1500, model=EMBED)
    assert job.batches == [(0, 512), (512, 1024), (1024, 1500)]


def test_every_batch_carries_the_options_and_extra_body() -> None:
    job = EmbeddingJob(
        config(),
        ["a", "b", "c"],
        model=EMBED,
        dimensions=64,
        batch_size=2,
        user="u-1",
        extra_body={"encoding_format": "float", "x": 1},
    )
    ex = job.next()
    assert ex is not None and ex.body == {
        "model": EMBED,
        "encoding_format": "float",
        "dimensions": 64,
        "user": "u-1",
        "input": ["a", "b"],
        "x": 1,
    }
    assert ex.path == "/embeddings" and ex.method == "POST"


# -- pure: reading answers -------------------------------------------------------------------


def test_vectors_are_placed_by_index_whatever_the_order() -> None:
    answer = {
        "data": [
            {"index": 2, "embedding": [3.0, 3.0]},
            {"index": 0, "embedding": [1, 1]},
            {"index": 1, "embedding": b64([2.0, 2.0])},
        ],
        "model": EMBED,
        "usage": {"prompt_tokens": 7, "total_tokens": 7},
    }
    vectors, model, usage = read_embeddings(answer, 3)
    assert vectors == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    assert all(type(x) is float for v in vectors for x in v)
    assert (model, usage) == (EMBED, TokenUsage(7, 7))


def test_base64_is_little_endian_float32() -> None:
    values = [0.5, -1.25, 3.0e-8, 1024.0, 0.1]
    raw = struct.pack("<5f", *values)
    vectors, _, _ = read_embeddings({"data": [{"index": 0, "embedding": b64(values)}]}, 1)
    assert vectors[0] == list(struct.unpack("<5f", raw))
    assert vectors[0][:4] == [0.5, -1.25, pytest.approx(3.0e-8), 1024.0]


def test_usage_may_be_missing_and_total_defaults_to_prompt() -> None:
    assert read_embeddings({"data": [{"index": 0, "embedding": [1.0]}]}, 1)[2] == TokenUsage()
    answer = {"data": [{"index": 0, "embedding": [1.0]}], "usage": {"prompt_tokens": 4}}
    assert read_embeddings(answer, 1)[2] == TokenUsage(4, 4)


MALFORMED_EMBEDDINGS = [
    ("not an object", [], "not a JSON object"),
    ("no data", {"object": "list"}, "no 'data' list"),
    ("data not a list", {"data": {"0": [1.0]}}, "no 'data' list"),
    ("item not an object", {"data": [[1.0], [2.0]]}, "data[0] is not an object"),
    ("missing index", {"data": [{"index": 0, "embedding": [1.0]}]}, "input index 1"),
    (
        "duplicated index",
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]},
        "index 0 twice",
    ),
    (
        "index out of range",
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 2, "embedding": [1.0]}]},
        "data[1].index",
    ),
    (
        "index of the wrong type",
        {"data": [{"index": "0", "embedding": [1.0]}, {"index": 1, "embedding": [1.0]}]},
        "data[0].index",
    ),
    (
        "index a boolean",
        {"data": [{"index": True, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]},
        "data[0].index",
    ),
    (
        "embedding missing",
        {"data": [{"index": 0}, {"index": 1, "embedding": [1.0]}]},
        "data[0].embedding",
    ),
    (
        "embedding holds text",
        {"data": [{"index": 0, "embedding": [1.0, "2"]}, {"index": 1, "embedding": [1.0, 2.0]}]},
        "data[0].embedding holds a non-number",
    ),
    (
        "embedding not base64",
        {"data": [{"index": 0, "embedding": "not base64!"}, {"index": 1, "embedding": [1.0]}]},
        "not base64",
    ),
    (
        "base64 of a partial float",
        {
            "data": [
                {"index": 0, "embedding": base64.b64encode(b"\0" * 6).decode()},
                {"index": 1, "embedding": [1.0]},
            ]
        },
        "float32",
    ),
    (
        "mixed lengths",
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0, 2.0]}]},
        "mixes vector lengths",
    ),
    (
        "usage not an object",
        {
            "data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0]}],
            "usage": 5,
        },
        "'usage'",
    ),
    (
        "usage count of the wrong type",
        {
            "data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0]}],
            "usage": {"prompt_tokens": "5"},
        },
        "usage.prompt_tokens",
    ),
    (
        "model not text",
        {
            "data": [{"index": 0, "embedding": [1.0]}, {"index": 1, "embedding": [1.0]}],
            "model": 3,
        },
        "'model'",
    ),
]


@pytest.mark.parametrize(
    ("answer", "named"),
    [c[1:] for c in MALFORMED_EMBEDDINGS],
    ids=[c[0] for c in MALFORMED_EMBEDDINGS],
)
def test_malformed_embeddings_are_named(answer: Any, named: str) -> None:
    with pytest.raises(MalformedStreamError, match=re.escape(named)):
        read_embeddings(answer, 2)


def test_rerank_hits_sorted_by_score_ties_in_document_order() -> None:
    answer = {
        "results": [
            {"index": 1, "relevance_score": 0.2},
            {"index": 2, "relevance_score": 0.9, "document": {"text": "two"}},
            {"index": 0, "relevance_score": 0.2, "document": "zero"},
            {"index": 3, "relevance_score": 1},
        ],
        "model": RERANK,
        "usage": {"prompt_tokens": 45, "total_tokens": 45},
    }
    result = read_rerank(answer, 4, None)
    assert [(h.index, h.relevance_score, h.document) for h in result.results] == [
        (3, 1.0, None),
        (2, 0.9, "two"),
        (0, 0.2, "zero"),
        (1, 0.2, None),
    ]
    assert result.usage == TokenUsage(45, 45) and result.model == RERANK
    assert [h.index for h in read_rerank(answer, 4, 2).results] == [3, 2]


MALFORMED_RERANK = [
    ("no results", {"data": []}, "no 'results' list"),
    ("hit not an object", {"results": [3]}, "results[0] is not an object"),
    ("index out of range", {"results": [{"index": 5, "relevance_score": 0.1}]}, "index"),
    (
        "index twice",
        {"results": [{"index": 0, "relevance_score": 0.1}, {"index": 0, "relevance_score": 0.2}]},
        "document 0 twice",
    ),
    ("score missing", {"results": [{"index": 0}]}, "relevance_score"),
    ("score text", {"results": [{"index": 0, "relevance_score": "0.5"}]}, "relevance_score"),
    ("score NaN", {"results": [{"index": 0, "relevance_score": math.nan}]}, "relevance_score"),
    (
        "document a number",
        {"results": [{"index": 0, "relevance_score": 0.5, "document": 7}]},
        "document is not text",
    ),
]


@pytest.mark.parametrize(
    ("answer", "named"), [c[1:] for c in MALFORMED_RERANK], ids=[c[0] for c in MALFORMED_RERANK]
)
def test_malformed_rerank_answers_are_named(answer: Any, named: str) -> None:
    with pytest.raises(MalformedStreamError, match=re.escape(named)):
        read_rerank(answer, 2, None)


# -- pure: arguments refused before any request -------------------------------------------------


@pytest.mark.parametrize(
    ("query", "documents", "top_n", "param"),
    [
        ("q" * (MAX_QUERY_CHARS + 1), ["d"], None, "query"),
        ("q", ["d"] * (MAX_DOCUMENTS + 1), None, "documents"),
        ("q", ["d" * (MAX_DOCUMENT_CHARS + 1)], None, "documents"),
        ("q", ["d" * MAX_DOCUMENT_CHARS] * 21, None, "documents"),  # 2,100,000 in all
        ("q", ["a", "b"], 3, "top_n"),
        ("q", ["a", "b"], 0, "top_n"),
        ("q", ["a", "b"], True, "top_n"),
        ("q", "ab", None, "documents"),
        ("q", ["a", 2], None, "documents"),
    ],
    ids=["query", "count", "one", "total", "top_n>n", "top_n=0", "top_n=bool", "str", "non-str"],
)
def test_rerank_limits_are_checked_locally(
    query: str, documents: Any, top_n: Any, param: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RerankJob(config(), query, documents, model=RERANK, top_n=top_n)
    assert caught.value.param == param


def test_the_documented_maximums_themselves_are_accepted() -> None:
    documents = ["d" * MAX_DOCUMENT_CHARS] * 20  # exactly 2,000,000 characters
    job = RerankJob(config(), "q" * MAX_QUERY_CHARS, documents, model=RERANK, top_n=20)
    assert job.next() is not None


@pytest.mark.parametrize(
    "options",
    [
        {"model": ""},
        {"encoding_format": "binary"},
        {"dimensions": 0},
        {"dimensions": 1.5},
        {"batch_size": 0},
        {"max_batch_chars": -1},
    ],
)
def test_bad_embed_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        EmbeddingJob(config(), ["a"], **{"model": EMBED, **options})


def test_texts_must_be_strings() -> None:
    with pytest.raises(ConfigurationError, match=r"texts\[1\]"):
        EmbeddingJob(config(), ["a", 3], model=EMBED)  # type: ignore[list-item]


def test_nothing_to_send_means_no_request() -> None:
    embed = EmbeddingJob(config(), [], model=EMBED)
    assert embed.next() is None
    assert embed.result().vectors == [] and embed.result().dimensions is None
    rerank = RerankJob(config(), "q", [], model=RERANK, top_n=3)
    assert rerank.next() is None and rerank.result().results == []


def test_the_deadline_spans_every_batch() -> None:
    now = [0.0]
    job = EmbeddingJob(
        config(), ["a", "b", "c"], model=EMBED, batch_size=1, deadline=10.0, clock=lambda: now[0]
    )
    first = job.next()
    assert first is not None and first.deadline.seconds == 10.0
    job.add({"data": [{"index": 0, "embedding": [1.0]}]})
    now[0] = 7.5
    second = job.next()
    assert second is not None and second.deadline.seconds == pytest.approx(2.5)
    job.add({"data": [{"index": 0, "embedding": [1.0]}]})
    now[0] = 10.0
    with pytest.raises(APITimeoutError) as caught:
        job.next()
    assert caught.value.code == DEADLINE_CODE


def test_a_missing_key_fails_before_any_request() -> None:
    job = EmbeddingJob(config(api_key=None), ["a"], model=EMBED)
    with pytest.raises(ConfigurationError, match="API key"):
        job.next()


# -- the dev server's vectors ----------------------------------------------------------------


def test_dev_server_vectors_make_retrieval_meaningful() -> None:
    query = vector("Which fruit is rich in vitamin C?", 1536)
    scores = [sum(q * d for q, d in zip(query, vector(doc, 1536), strict=True)) for doc in DOCS]
    assert scores.index(max(scores)) == 0
    assert math.isclose(sum(v * v for v in query), 1.0)
    assert vector("same text", 64) == vector("same text", 64)
    assert token_count("Hello, world! 안녕하세요") == 4 + 5  # 2 words, 2 marks, 5 syllables


# -- both clients against the dev server ------------------------------------------------------


class Clients:
    """Calls one client method with the sync or the async client."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def call(self, base_url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        options = {"api_key": KEY, "base_url": base_url}
        options.update(kwargs.pop("client", {}))
        if self.mode == "sync":
            with LemonDataClient(**options) as client:
                return getattr(client, method)(*args, **kwargs)
        async with AsyncLemonDataClient(**options) as aclient:
            return await getattr(aclient, method)(*args, **kwargs)


@pytest.fixture(params=["sync", "async"])
def clients(request: pytest.FixtureRequest) -> Clients:
    return Clients(request.param)


@pytest.fixture
def server() -> Iterator[DevServer]:
    with DevServer() as dev:
        yield dev


async def test_embed_in_batches_keeps_order_and_sums_usage(
    clients: Clients, server: DevServer
) -> None:
    texts = [f"text number {i} about lemons" for i in range(5)]
    result = await clients.call(server.base_url, "embed", texts, model=EMBED, batch_size=2)
    sent = [r["body"]["input"] for r in server.requests]
    assert sent == [texts[0:2], texts[2:4], texts[4:5]]
    assert all(r["body"]["encoding_format"] == "base64" for r in server.requests)
    assert result.vectors == [pytest.approx(vector(t, 1536), abs=1e-7) for t in texts]
    tokens = sum(token_count(t) for t in texts)
    assert result.usage == TokenUsage(tokens, tokens)
    assert (result.model, result.dimensions) == (EMBED, 1536)


async def test_embed_batches_by_size(clients: Clients, server: DevServer) -> None:
    texts = ["a" * 60, "b" * 60, "c" * 60]
    await clients.call(server.base_url, "embed", texts, model=EMBED, max_batch_chars=100)
    assert [len(r["body"]["input"]) for r in server.requests] == [1, 1, 1]


async def test_float_and_base64_bring_the_same_vectors(clients: Clients, server: DevServer) -> None:
    as_float = await clients.call(
        server.base_url, "embed", "hello lemons", model=EMBED, encoding_format="float"
    )
    as_base64 = await clients.call(server.base_url, "embed", "hello lemons", model=EMBED)
    assert server.requests[0]["body"]["input"] == ["hello lemons"]  # a single string
    assert as_base64.vectors[0] == pytest.approx(as_float.vectors[0], abs=1e-7)
    assert as_float.vectors[0] == vector("hello lemons", 1536)


async def test_dimensions_and_model_size(clients: Clients, server: DevServer) -> None:
    short = await clients.call(server.base_url, "embed", ["x"], model=EMBED, dimensions=256)
    large = await clients.call(server.base_url, "embed", ["x"], model="text-embedding-3-large")
    assert (short.dimensions, large.dimensions) == (256, 3072)


async def test_empty_input_sends_nothing(clients: Clients, server: DevServer) -> None:
    result = await clients.call(server.base_url, "embed", [], model=EMBED)
    ranking = await clients.call(server.base_url, "rerank", "q", [], model=RERANK)
    assert (result.vectors, ranking.results, server.requests) == ([], [], [])


async def test_rerank_ranks_the_right_document_first(clients: Clients, server: DevServer) -> None:
    ranking = await clients.call(
        server.base_url,
        "rerank",
        "When was the Eiffel Tower completed?",
        DOCS,
        model=RERANK,
        top_n=2,
        return_documents=True,
    )
    assert ranking.results[0].index == 1
    assert len(ranking.results) == 2 and ranking.results[0].document == DOCS[1]
    assert ranking.results[0].relevance_score >= ranking.results[1].relevance_score
    assert all(0.0 <= h.relevance_score <= 1.0 for h in ranking.results)
    assert server.requests[0]["body"] == {
        "model": RERANK,
        "query": "When was the Eiffel Tower completed?",
        "documents": DOCS,
        "return_documents": True,
        "top_n": 2,
    }


@pytest.mark.parametrize(
    ("call", "error", "param"),
    [
        (("embed", ["x"], {"model": "error-401"}), AuthenticationError, None),
        (("embed", ["x"], {"model": "error-429"}), RateLimitError, None),
        (("embed", ["x"], {"model": "error-503"}), InternalServerError, None),
        (("embed", ["x"], {"model": "text-embeding-3-small"}), ModelNotFoundError, "model"),
        (("embed", ["x"], {"model": EMBED, "dimensions": 4096}), None, "dimensions"),
        (("embed", [""], {"model": EMBED}), None, "input"),
        (("embed", ["x"], {"model": "gpt-4o"}), None, "model"),
        (("rerank", "", ["d"], {"model": RERANK}), None, "query"),
        (("rerank", "q", ["d"], {"model": "qwen3-rerak"}), ModelNotFoundError, "model"),
    ],
    ids=[
        "401",
        "429",
        "503",
        "misspelled",
        "dimensions",
        "empty-input",
        "chat-model",
        "query",
        "rr",
    ],
)
async def test_documented_errors_are_typed(
    clients: Clients, server: DevServer, call: tuple[Any, ...], error: Any, param: str | None
) -> None:
    method, *args, kwargs = call
    with pytest.raises(error or BadRequestError) as caught:
        await clients.call(server.base_url, method, *args, client={"max_retries": 0}, **kwargs)
    assert caught.value.param == param
    if error is ModelNotFoundError:
        assert caught.value.did_you_mean in (EMBED, "qwen3-rerank")
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


def test_dev_server_refuses_dimensions_for_ada_002() -> None:
    status, body, _ = embeddings("text-embedding-ada-002", {"input": "x", "dimensions": 8})
    assert (status, body["error"]["param"]) == (400, "dimensions")
    status, body, _ = embeddings("text-embedding-ada-002", {"input": "x"})
    assert status == 200 and len(body["data"][0]["embedding"]) == 1536


def test_dev_server_refuses_empty_documents_in_lemondata_shape(server: DevServer) -> None:
    response = httpx.post(
        server.base_url + "/rerank",
        json={"model": RERANK, "query": "q", "documents": []},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "documents")


# -- a scripted server: failures, out-of-order and malformed answers ------------------------------


class Scripted:
    """Answers the scripted ``(status, body)`` replies in turn, then the dev server's own."""

    def __init__(self, *replies: tuple[int, Any]) -> None:
        self.replies = list(replies)
        self.bodies: list[Any] = []
        from lemon_adapters.testing import vectors as _retrieval

        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                scripted.bodies.append(body)
                if scripted.replies:
                    status, answer = scripted.replies.pop(0)
                else:
                    status, answer, _ = _retrieval.answer(self.path.rsplit("/", 1)[1], body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> Scripted:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


UNAVAILABLE = {
    "error": {"message": "upstream busy", "code": "all_channels_failed", "retryable": True}
}
FAST_RETRY = {"max_retries": 1, "max_retry_delay": 0.01}


async def test_a_failure_before_the_answer_is_retried(clients: Clients) -> None:
    with Scripted((503, UNAVAILABLE)) as server:
        result = await clients.call(server.base_url, "embed", ["a"], model=EMBED, client=FAST_RETRY)
        ranking = await clients.call(
            server.base_url, "rerank", "q", ["q"], model=RERANK, client=FAST_RETRY
        )
    assert len(server.bodies) == 3 and server.bodies[0] == server.bodies[1]
    assert len(result.vectors) == 1 and ranking.results[0].index == 0


async def test_retries_run_out_with_the_typed_error(clients: Clients) -> None:
    with (
        Scripted((503, UNAVAILABLE), (503, UNAVAILABLE)) as server,
        pytest.raises(InternalServerError) as caught,
    ):
        await clients.call(server.base_url, "embed", ["a"], model=EMBED, client=FAST_RETRY)
    assert caught.value.code == "all_channels_failed" and len(server.bodies) == 2


async def test_an_out_of_order_answer_is_put_in_input_order(clients: Clients) -> None:
    answer = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 1, "embedding": b64([2.0])},
            {"object": "embedding", "index": 0, "embedding": b64([1.0])},
        ],
        "model": EMBED,
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    with Scripted((200, answer)) as server:
        result = await clients.call(server.base_url, "embed", ["one", "two"], model=EMBED)
    assert result.vectors == [[1.0], [2.0]]


async def test_a_malformed_answer_is_typed_and_never_shows_the_key(clients: Clients) -> None:
    answer = {"data": [{"index": 0, "embedding": [KEY]}]}
    with Scripted((200, answer)) as server, pytest.raises(MalformedStreamError) as caught:
        await clients.call(server.base_url, "embed", ["one"], model=EMBED)
    assert "data[0].embedding" in str(caught.value) and KEY not in str(caught.value)


async def test_a_second_batch_of_another_length_is_malformed(clients: Clients) -> None:
    second = {"data": [{"index": 0, "embedding": [1.0, 2.0]}]}
    first = {"data": [{"index": 0, "embedding": [1.0]}]}
    with (
        Scripted((200, first), (200, second)) as server,
        pytest.raises(MalformedStreamError, match="dimensions"),
    ):
        await clients.call(server.base_url, "embed", ["a", "b"], model=EMBED, batch_size=1)


def test_clients_repr_hides_the_key() -> None:
    with LemonDataClient(api_key=KEY, base_url="http://127.0.0.1:9/v1") as client:
        assert KEY not in repr(client)
