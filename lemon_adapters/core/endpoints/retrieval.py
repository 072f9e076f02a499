"""Embeddings and rerank (``POST /v1/embeddings``, ``POST /v1/rerank``) as pure jobs.

A job holds every decision of one ``embed`` or ``rerank`` call; the clients only send what
it asks and hand the decoded answers back (see ``LemonDataClient.embed``)::

    job = EmbeddingJob(config, texts, model=...)   # checks the arguments: no I/O yet
    while (exchange := job.next()) is not None:    # one JSONExchange per batch
        job.add(send(exchange))                    # the batch's JSON answer, checked
    result = job.result()

Each request is a :class:`~lemon_adapters.core.http.json_exchange.JSONExchange`, so it has the same
configuration, retries (before the answer), typed errors (LemonData's error JSON through
``api_error``), timeouts and key hygiene as a chat call. ``deadline`` bounds the whole call,
every batch and retry included.

Embeddings are sent in batches of at most ``batch_size`` inputs and ``max_batch_chars``
characters, whichever comes first (an input longer than that goes alone, never split).
The defaults, 512 inputs and 250,000 characters, keep a batch under OpenAI's limits of
2,048 inputs and 300,000 tokens per request even for Korean or Chinese text, which
``cl100k_base`` (the text-embedding-3 encoding) counts at about one token per character.
Batches go one after another (in the async client too: parallel batches would only meet
the account's rate limit sooner). The server may answer a batch in any order: vectors are
placed by each item's ``index``.
``encoding_format="base64"`` (the default here, unlike the API's ``"float"``) brings each
vector as little-endian float32 bytes, about a quarter of the JSON text of the same floats;
either form is decoded to Python floats.

Rerank arguments are checked against LemonData's documented limits before any request
(query up to 32,000 characters; up to 1,000 documents, each up to 100,000 characters,
2,000,000 in all; ``top_n`` from 1 to the number of documents).

An answer is checked once, whole, by the readers in
:mod:`~lemon_adapters.core.endpoints.answers` (with the result types, re-exported here).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import Required, TypedDict

from lemon_adapters.core.endpoints.answers import (
    EmbeddingResult,
    RerankHit,
    RerankResult,
    TokenUsage,
    read_embeddings,
    read_rerank,
)
from lemon_adapters.core.errors import ConfigurationError, LemonDataError, MalformedResponseError
from lemon_adapters.core.http.config import ClientConfig, Timeouts
from lemon_adapters.core.http.deadline import Deadline
from lemon_adapters.core.http.json_exchange import JSONExchange
from lemon_adapters.core.http.scrub import scrub

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_BATCH_CHARS",
    "EMBED_KEYS",
    "MAX_DOCUMENTS",
    "MAX_DOCUMENT_CHARS",
    "MAX_QUERY_CHARS",
    "MAX_TOTAL_DOCUMENT_CHARS",
    "RERANK_KEYS",
    "EmbedOptions",
    "EmbeddingJob",
    "EmbeddingResult",
    "EncodingFormat",
    "RerankHit",
    "RerankJob",
    "RerankOptions",
    "RerankResult",
    "TokenUsage",
    "check_rerank",
    "embedding_batches",
    "read_embeddings",
    "read_rerank",
]

EncodingFormat = Literal["float", "base64"]


class _CallLimits(TypedDict, total=False):
    timeout: float | httpx.Timeout | None
    """This call's timeout (as the client's ``timeout``)."""
    deadline: float | None
    """Seconds for the whole call, every batch and retry included."""


class EmbedOptions(_CallLimits, total=False):
    """The keyword arguments of ``embed`` (both clients)."""

    model: Required[str]
    """The embedding model, e.g. ``text-embedding-3-small``."""
    dimensions: int | None
    """Ask for shorter vectors (models that support it)."""
    encoding_format: EncodingFormat
    """``"base64"`` (default: a quarter of the bytes) or ``"float"``; either way the
    result holds Python floats."""
    batch_size: int
    """Inputs per request (default :data:`DEFAULT_BATCH_SIZE`)."""
    max_batch_chars: int
    """Characters per request (default :data:`DEFAULT_MAX_BATCH_CHARS`)."""
    user: str | None
    """An end-user identifier, for LemonData's abuse monitoring."""
    extra_body: Mapping[str, Any] | None
    """Body fields merged into every request."""


class RerankOptions(_CallLimits, total=False):
    """The keyword arguments of ``rerank`` (both clients) besides the query and documents."""

    model: Required[str]
    """The reranker, e.g. ``BAAI/bge-reranker-v2-m3`` or ``qwen3-rerank``."""
    top_n: int | None
    """Keep this many hits, 1 to ``len(documents)`` (default: all)."""
    return_documents: bool
    """Have the server send each document's text back."""
    extra_body: Mapping[str, Any] | None
    """Body fields merged last."""


#: Every keyword ``embed`` and ``rerank`` take.
EMBED_KEYS = frozenset(EmbedOptions.__required_keys__ | EmbedOptions.__optional_keys__)
RERANK_KEYS = frozenset(RerankOptions.__required_keys__ | RerankOptions.__optional_keys__)

#: Inputs per embeddings request.
DEFAULT_BATCH_SIZE = 512
#: Characters per embeddings request (see the module docstring for why this many).
DEFAULT_MAX_BATCH_CHARS = 250_000
#: LemonData's documented rerank limits.
MAX_QUERY_CHARS = 32_000
MAX_DOCUMENTS = 1_000
MAX_DOCUMENT_CHARS = 100_000
MAX_TOTAL_DOCUMENT_CHARS = 2_000_000


# -- the jobs ---------------------------------------------------------------------------


class _Job:
    """What both jobs share: one overall deadline across their requests."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        model: str,
        timeouts: Timeouts | None,
        deadline: float | None,
        clock: Callable[[], float],
    ) -> None:
        if not isinstance(model, str) or not model:
            raise ConfigurationError("model is required (for example model='...')", param="model")
        self._config = config
        self._timeouts = timeouts
        self._deadline = Deadline(config.deadline if deadline is None else deadline, clock)
        self._clock = clock

    def _exchange(self, path: str, body: dict[str, Any]) -> JSONExchange:
        self._deadline.start()
        left = self._deadline.remaining()
        if left is not None and left <= 0:
            raise Deadline.error()
        return JSONExchange(
            self._config,
            "POST",
            path,
            body=body,
            timeouts=self._timeouts,
            deadline=left,
            clock=self._clock,
        )

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Where an answer is read: its errors leave with the key scrubbed (a server may
        echo the key back in any field)."""
        try:
            yield
        except LemonDataError as exc:
            scrub(exc, self._config.api_key)
            raise


class EmbeddingJob(_Job):
    """One ``embed`` call: its batches, their answers and the result.

    Args:
        config: the client's configuration.
        texts: one text or a sequence of texts.
        model: the embedding model (``text-embedding-3-small``...).
        dimensions: ask for vectors of this length (models that support it).
        encoding_format: ``"base64"`` (default, smaller on the wire) or ``"float"``.
        batch_size: inputs per request.
        max_batch_chars: characters per request (a longer single input goes alone).
        user: LemonData's end-user identifier, for abuse monitoring.
        extra_body: body fields merged into every request last.
        timeouts: this call's timeouts (default: the client's).
        deadline: seconds for the whole call, every batch included (default: the
            client's).
        clock: the monotonic clock (injected in tests).

    Raises:
        ConfigurationError: an argument is invalid (before any request).
    """

    def __init__(
        self,
        config: ClientConfig,
        texts: str | Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        encoding_format: EncodingFormat = "base64",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_chars: int = DEFAULT_MAX_BATCH_CHARS,
        user: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeouts: Timeouts | None = None,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config, model=model, timeouts=timeouts, deadline=deadline, clock=clock)
        self.texts = [texts] if isinstance(texts, str) else list(_strings(texts, "texts"))
        if encoding_format not in ("float", "base64"):
            raise ConfigurationError(
                f"encoding_format must be 'float' or 'base64', not {encoding_format!r}",
                param="encoding_format",
            )
        _positive(dimensions, "dimensions", optional=True)
        _positive(batch_size, "batch_size")
        _positive(max_batch_chars, "max_batch_chars")
        self._base: dict[str, Any] = {"model": model, "encoding_format": encoding_format}
        if dimensions is not None:
            self._base["dimensions"] = dimensions
        if user is not None:
            self._base["user"] = user
        self._extra = dict(extra_body or {})
        self.batches = embedding_batches(self.texts, batch_size, max_batch_chars)
        self._done = 0
        self._vectors: list[list[float]] = []
        self._model: str | None = None
        self._usage = TokenUsage()

    def next(self) -> JSONExchange | None:
        """The request for the next batch, or ``None`` when every batch is answered."""
        if self._done == len(self.batches):
            return None
        start, stop = self.batches[self._done]
        body = {**self._base, "input": self.texts[start:stop], **self._extra}
        return self._exchange("/embeddings", body)

    def add(self, answer: Any) -> None:
        """Take the decoded JSON answer of the batch :meth:`next` asked for.

        Raises:
            MalformedResponseError: the answer is not what the API documents.
        """
        start, stop = self.batches[self._done]
        with self._reading():
            vectors, model, usage = read_embeddings(answer, stop - start)
            if self._vectors and vectors and len(vectors[0]) != len(self._vectors[0]):
                raise MalformedResponseError(
                    f"the embeddings of inputs {start}..{stop - 1} have {len(vectors[0])}"
                    f" dimensions, the earlier ones {len(self._vectors[0])}"
                )
        self._vectors.extend(vectors)
        self._model = self._model or model
        self._usage = TokenUsage(*(a + b for a, b in zip(self._usage, usage, strict=True)))
        self._done += 1

    def result(self) -> EmbeddingResult:
        """The vectors in input order, the model and the summed usage."""
        return EmbeddingResult(
            vectors=self._vectors,
            model=self._model,
            usage=self._usage,
            dimensions=len(self._vectors[0]) if self._vectors else None,
        )


class RerankJob(_Job):
    """One ``rerank`` call (a single request; none at all without documents).

    Args:
        config: the client's configuration.
        query: what to rank the documents against.
        documents: the texts to rank.
        model: the reranker (``BAAI/bge-reranker-v2-m3``, ``qwen3-rerank``...).
        top_n: return this many hits (1 to ``len(documents)``; default: all).
        return_documents: ask the server to send each document's text back.
        extra_body: body fields merged last.
        timeouts, deadline, clock: as for :class:`EmbeddingJob`.

    Raises:
        ConfigurationError: an argument breaks LemonData's documented limits.
    """

    def __init__(
        self,
        config: ClientConfig,
        query: str,
        documents: Sequence[str],
        *,
        model: str,
        top_n: int | None = None,
        return_documents: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        timeouts: Timeouts | None = None,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config, model=model, timeouts=timeouts, deadline=deadline, clock=clock)
        self.documents = list(_strings(documents, "documents"))
        check_rerank(query, self.documents, top_n)
        self.top_n = top_n
        self.body: dict[str, Any] = {
            "model": model,
            "query": query,
            "documents": self.documents,
            "return_documents": bool(return_documents),
        }
        if top_n is not None:
            self.body["top_n"] = top_n
        self.body.update(extra_body or {})
        self._result: RerankResult | None = (
            None if self.documents else RerankResult(results=[], model=None, usage=TokenUsage())
        )

    def next(self) -> JSONExchange | None:
        """The request, or ``None`` once answered (or when there is nothing to rank)."""
        return self._exchange("/rerank", self.body) if self._result is None else None

    def add(self, answer: Any) -> None:
        """Take the decoded JSON answer.

        Raises:
            MalformedResponseError: the answer is not what the API documents.
        """
        with self._reading():
            self._result = read_rerank(answer, len(self.documents), self.top_n)

    def result(self) -> RerankResult:
        """The hits, highest score first."""
        assert self._result is not None, "result() before the answer"
        return self._result


# -- pure pieces --------------------------------------------------------------------------


def embedding_batches(
    texts: Sequence[str], batch_size: int, max_batch_chars: int
) -> list[tuple[int, int]]:
    """``(start, stop)`` slices of ``texts``: at most ``batch_size`` inputs and
    ``max_batch_chars`` characters each; a longer single text is a batch of its own."""
    batches: list[tuple[int, int]] = []
    start, chars = 0, 0
    for i, text in enumerate(texts):
        if i > start and (i - start == batch_size or chars + len(text) > max_batch_chars):
            batches.append((start, i))
            start, chars = i, 0
        chars += len(text)
    if start < len(texts):
        batches.append((start, len(texts)))
    return batches


def check_rerank(query: Any, documents: Sequence[str], top_n: Any) -> None:
    """Raise a ConfigurationError if the arguments break LemonData's documented limits."""
    if not isinstance(query, str):
        raise ConfigurationError(f"query must be a string, not {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:
        raise ConfigurationError(
            f"query has {len(query):,} characters; LemonData accepts at most {MAX_QUERY_CHARS:,}",
            param="query",
        )
    if len(documents) > MAX_DOCUMENTS:
        raise ConfigurationError(
            f"{len(documents):,} documents; LemonData reranks at most {MAX_DOCUMENTS:,} per"
            " request",
            param="documents",
        )
    for i, document in enumerate(documents):
        if len(document) > MAX_DOCUMENT_CHARS:
            raise ConfigurationError(
                f"documents[{i}] has {len(document):,} characters; LemonData accepts at most"
                f" {MAX_DOCUMENT_CHARS:,} per document",
                param="documents",
            )
    total = sum(len(d) for d in documents)
    if total > MAX_TOTAL_DOCUMENT_CHARS:
        raise ConfigurationError(
            f"the documents have {total:,} characters in all; LemonData accepts at most"
            f" {MAX_TOTAL_DOCUMENT_CHARS:,}",
            param="documents",
        )
    if top_n is not None:
        _positive(top_n, "top_n")
        if documents and top_n > len(documents):
            raise ConfigurationError(
                f"top_n must be from 1 to the number of documents ({len(documents)}), not {top_n}",
                param="top_n",
            )


# -- helpers ------------------------------------------------------------------------------


def _strings(values: Any, name: str) -> Sequence[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConfigurationError(
            f"{name} must be a list of strings, not {type(values).__name__}", param=name
        )
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise ConfigurationError(
                f"{name}[{i}] must be a string, not {type(value).__name__}", param=name
            )
    return values


def _positive(value: Any, name: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive integer, not {value!r}", param=name)
