"""What the retrieval endpoints answer: the result types of ``embed`` and ``rerank`` and
the readers that check one JSON answer whole.

A field of the wrong type, an index missing, repeated or out of range is a
:class:`~lemon_adapters.core.errors.MalformedResponseError` naming it, never a ``KeyError``
or ``TypeError``. Vectors come as lists of numbers or as base64 little-endian float32
text (``encoding_format="base64"``) and are decoded to Python floats either way.
"""

from __future__ import annotations

import base64
import binascii
import math
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeGuard

from lemon_adapters.core.errors import MalformedResponseError

__all__ = [
    "EmbeddingResult",
    "RerankHit",
    "RerankResult",
    "TokenUsage",
    "read_embeddings",
    "read_rerank",
]


class TokenUsage(NamedTuple):
    """Tokens the server reported (summed over the requests of a call)."""

    prompt_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbeddingResult:
    """The vectors of an ``embed`` call.

    Attributes:
        vectors: one vector per input, in input order.
        model: the model the server says it used (``None`` if it said none).
        usage: tokens reported, summed over the batches.
        dimensions: the length of every vector (``None`` without vectors).
    """

    vectors: list[list[float]]
    model: str | None
    usage: TokenUsage
    dimensions: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RerankHit:
    """One ranked document.

    Attributes:
        index: its position in the documents sent.
        relevance_score: the server's score (LemonData documents 0 to 1).
        document: its text, when the server returned it (``return_documents=True``).
    """

    index: int
    relevance_score: float
    document: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RerankResult:
    """The ranking of a ``rerank`` call.

    Attributes:
        results: the hits, highest score first (ties in document order), at most ``top_n``.
        model: the model the server says it used.
        usage: tokens reported.
    """

    results: list[RerankHit]
    model: str | None
    usage: TokenUsage


def read_embeddings(answer: Any, count: int) -> tuple[list[list[float]], str | None, TokenUsage]:
    """The vectors (in input order), model and usage of one embeddings answer for ``count``
    inputs. Each vector is a list of numbers or base64 little-endian float32 text.

    Raises:
        MalformedResponseError: anything not as documented (named in the message).
    """
    if not isinstance(answer, dict):
        raise _malformed("the embeddings answer is not a JSON object", answer)
    data = answer.get("data")
    if not isinstance(data, list):
        raise _malformed("the embeddings answer has no 'data' list", data)
    vectors: list[list[float] | None] = [None] * count
    for position, item in enumerate(data):
        where = f"data[{position}]"
        if not isinstance(item, dict):
            raise _malformed(f"{where} is not an object", item)
        index = _index(item.get("index"), count, f"{where}.index")
        if vectors[index] is not None:
            raise MalformedResponseError(f"the embeddings answer has index {index} twice")
        vectors[index] = _vector(item.get("embedding"), f"{where}.embedding")
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise MalformedResponseError(
            f"the embeddings answer has no vector for input index {missing[0]}{more}"
        )
    done = [v for v in vectors if v is not None]
    if len({len(v) for v in done}) > 1:
        raise MalformedResponseError(
            f"the embeddings answer mixes vector lengths: {sorted({len(v) for v in done})}"
        )
    return done, _model(answer), _usage(answer.get("usage"))


def read_rerank(answer: Any, count: int, top_n: int | None) -> RerankResult:
    """The hits of a rerank answer for ``count`` documents, highest score first, at most
    ``top_n``. A ``document`` may be text or ``{"text": ...}``.

    Raises:
        MalformedResponseError: anything not as documented (named in the message).
    """
    if not isinstance(answer, dict):
        raise _malformed("the rerank answer is not a JSON object", answer)
    results = answer.get("results")
    if not isinstance(results, list):
        raise _malformed("the rerank answer has no 'results' list", results)
    hits: list[RerankHit] = []
    seen: set[int] = set()
    for position, item in enumerate(results):
        where = f"results[{position}]"
        if not isinstance(item, dict):
            raise _malformed(f"{where} is not an object", item)
        index = _index(item.get("index"), count, f"{where}.index")
        if index in seen:
            raise MalformedResponseError(f"the rerank answer ranks document {index} twice")
        seen.add(index)
        score = item.get("relevance_score")
        if not _is_number(score) or not math.isfinite(score):
            raise _malformed(f"{where}.relevance_score is not a number", score)
        hits.append(
            RerankHit(index=index, relevance_score=float(score), document=_doc(item, where))
        )
    hits.sort(key=lambda hit: (-hit.relevance_score, hit.index))
    return RerankResult(
        results=hits[:top_n] if top_n is not None else hits,
        model=_model(answer),
        usage=_usage(answer.get("usage")),
    )


# -- helpers ------------------------------------------------------------------------------


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _index(value: Any, count: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise _malformed(f"{where} is not an index of the {count} inputs sent", value)
    return value


def _vector(value: Any, where: str) -> list[float]:
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _malformed(f"{where} is not base64 text", value) from None
        if not raw or len(raw) % 4:
            raise _malformed(f"{where} is not a whole number of float32 values", value)
        floats = array("f")
        floats.frombytes(raw)
        if sys.byteorder == "big":  # the wire is little-endian
            floats.byteswap()
        return floats.tolist()
    if not isinstance(value, list) or not value:
        raise _malformed(f"{where} is not a list of numbers or base64 text", value)
    if all(type(x) is float for x in value):  # the common case, checked at C speed
        return value
    for x in value:
        if not _is_number(x):
            raise _malformed(f"{where} holds a non-number", x)
    return [float(x) for x in value]


def _doc(item: Mapping[str, Any], where: str) -> str | None:
    document = item.get("document")
    if isinstance(document, dict):
        document = document.get("text")
    if document is not None and not isinstance(document, str):
        raise _malformed(f"{where}.document is not text", document)
    return document


def _model(answer: Mapping[str, Any]) -> str | None:
    model = answer.get("model")
    if model is not None and not isinstance(model, str):
        raise _malformed("'model' is not text", model)
    return model


def _usage(value: Any) -> TokenUsage:
    if value is None:
        return TokenUsage()
    if not isinstance(value, dict):
        raise _malformed("'usage' is not an object", value)
    counts = []
    for name in ("prompt_tokens", "total_tokens"):
        count = value.get(name)
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise _malformed(f"usage.{name} is not a token count", count)
        counts.append(count)
    prompt, total = counts
    return TokenUsage(prompt or 0, total if total is not None else prompt or 0)


def _malformed(what: str, value: Any) -> MalformedResponseError:
    shown = repr(value)
    return MalformedResponseError(f"{what}: {shown[:120]}{'...' if len(shown) > 120 else ''}")
