"""What the local dev server answers on ``/v1/embeddings`` and ``/v1/rerank``.

Standard library only, deterministic, and good enough for retrieval to mean something
offline: similar texts get close vectors, so a vector store finds the right document and
the reranker puts it first.

**Vectors** are a hashed bag of features (the "hashing trick"): each lower-cased word
(letters and digits; common English stop words left out) with a crude English suffix
stripped (``lemons`` -> ``lemon``, ``ripening`` -> ``ripen``) is one feature of weight 1,
each character trigram of the word with boundary marks (``^le``, ``lem``, ..., ``ns$``)
one of weight 0.3, and, in Han, kana and Hangul runs (no spaces between words), each
character bigram one of weight 0.5; a feature found n times weighs 1 + ln n times that
(sublinear term frequency, as in tf-idf practice). A feature's BLAKE2b hash picks its
dimension and its sign; the vector is L2-normalized, so the cosine similarity of two texts
grows with the words and word pieces they share. The dimension is the model's (1536 for
``text-embedding-3-small`` and ``text-embedding-ada-002``, 3072 for ``-3-large``) or the
``dimensions`` asked for (the text-embedding-3 models only, as OpenAI documents).

**Usage** counts words and punctuation marks, each Han, kana or Hangul character as a
word: close to a real tokenizer for English, and deliberately not the package's own
estimator (:mod:`lemon_adapters.core.tokens`), so tests can tell a server-reported count
from a local estimate. Rerank usage is the query's count plus the document's, per document
(a cross-encoder reads each pair).

**Rerank** relevance is the same cosine similarity between the query's and each
document's vector, clipped to [0, 1] (unrelated texts score about 0, the same text 1).

Bad input is answered in LemonData's error shape (``invalid_request_error`` with the
``param`` at fault: an empty or missing ``input`` or ``documents``, a ``top_n`` out of
range, the documented rerank limits...), a misspelled model name with the documented 400
``model_not_found``, and models named ``error-<status>`` with that status's documented
error, as on the chat routes.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
from collections import defaultdict
from typing import Any

from lemon_adapters.testing.contract import BY_STATUS, STATUS_HEADERS, find_model, model_not_found

#: Vector length per embedding model (LemonData's "Available Models" table).
EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
#: Models that accept ``dimensions`` (OpenAI: text-embedding-3 and later).
SHORTENABLE = frozenset({"text-embedding-3-small", "text-embedding-3-large"})
#: The space rerank scores are computed in.
RERANK_DIMENSIONS = 1536
#: LemonData's documented rerank limits.
MAX_QUERY_CHARS = 32_000
MAX_DOCUMENTS = 1_000
MAX_DOCUMENT_CHARS = 100_000
MAX_TOTAL_DOCUMENT_CHARS = 2_000_000

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORDS = re.compile(r"\w+")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_TOKENS = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")
_STOP = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "has",
        "have", "how", "i", "in", "is", "it", "of", "on", "or", "that", "the", "this", "to",
        "was", "were", "what", "when", "where", "which", "who", "why", "will", "with", "you",
    )
)  # fmt: skip
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s")
_ids = itertools.count(1)

Answer = tuple[int, dict[str, Any], dict[str, str]]


# -- vectors and counts ----------------------------------------------------------------


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def features(text: str) -> dict[str, float]:
    """The weighted features of ``text`` (see the module docstring)."""
    counts: defaultdict[str, int] = defaultdict(int)
    for word in _WORDS.findall(text.lower()):
        if word in _STOP:
            continue
        counts["w:" + _stem(word)] += 1
        marked = f"^{word}$"
        for i in range(len(marked) - 2):
            counts["c:" + marked[i : i + 3]] += 1
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            counts["b:" + run[i : i + 2]] += 1
    return {f: _WEIGHTS[f[0]] * (1.0 + math.log(n)) for f, n in counts.items()}


#: A feature's weight by kind (word, character trigram, CJK bigram), before the repeat
#: damping: a feature seen n times weighs (1 + ln n) times this, so a word repeated in a
#: long document does not outweigh two different words shared with the query.
_WEIGHTS = {"w": 1.0, "c": 0.3, "b": 0.5}


def vector(text: str, dimensions: int) -> list[float]:
    """The L2-normalized hashed feature vector of ``text`` in ``dimensions`` dimensions."""
    values = [0.0] * dimensions
    for feature, weight in features(text).items():
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        number = int.from_bytes(digest, "little")
        values[number % dimensions] += -weight if number >> 63 else weight
    norm = math.sqrt(sum(v * v for v in values))
    if norm == 0.0:  # no word at all (only punctuation): a fixed unit vector
        values[0] = 1.0
        return values
    return [v / norm for v in values]


def token_count(text: str) -> int:
    """Words and punctuation marks, each Han, kana or Hangul character counting as a word."""
    return len(_TOKENS.findall(text))


def relevance(query: list[float], document: list[float]) -> float:
    """The cosine similarity of two normalized vectors, clipped to [0, 1]."""
    return min(1.0, max(0.0, sum(q * d for q, d in zip(query, document, strict=True))))


# -- the two routes ---------------------------------------------------------------------


def answer(route: str, body: Any) -> Answer:
    """``(status, JSON body, headers)`` for a POST to ``/v1/embeddings`` or ``/v1/rerank``.

    Args:
        route: ``"embeddings"`` or ``"rerank"``.
        body: the decoded request body.
    """
    if not isinstance(body, dict):
        return _invalid("the request body must be a JSON object", None)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return _invalid("you must provide a model parameter", "model")
    if model.startswith("error-") and model[6:].isdigit():
        status = int(model[6:])
        error = BY_STATUS.get(status) or {"message": f"HTTP {status}", "type": "api_error"}
        return status, {"error": dict(error)}, dict(STATUS_HEADERS.get(status, {}))
    entry = find_model(model)
    category = "embedding" if route == "embeddings" else "rerank"
    if entry is None:
        return 400, {"error": model_not_found(model)}, {}
    if entry["lemondata"]["category"] != category:
        return _invalid(f"model '{model}' does not serve /v1/{route}", "model")
    return embeddings(model, body) if route == "embeddings" else rerank(model, body)


def embeddings(model: str, body: dict[str, Any]) -> Answer:
    """The answer of ``POST /v1/embeddings`` for a known embedding model."""
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        return _invalid("'input' must be a non-empty string or list of strings", "input")
    for i, text in enumerate(inputs):
        if not isinstance(text, str) or not text:
            return _invalid(f"'input[{i}]' must be a non-empty string", "input")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        return _invalid("'encoding_format' must be 'float' or 'base64'", "encoding_format")
    size = EMBEDDING_DIMENSIONS.get(model, RERANK_DIMENSIONS)
    dimensions = body.get("dimensions")
    if dimensions is not None:
        if model not in SHORTENABLE:
            return _invalid("This model does not support specifying dimensions.", "dimensions")
        if isinstance(dimensions, bool) or not isinstance(dimensions, int):
            return _invalid("'dimensions' must be an integer", "dimensions")
        if not 1 <= dimensions <= size:
            return _invalid(f"'dimensions' must be from 1 to {size}", "dimensions")
        size = dimensions
    data = []
    for i, text in enumerate(inputs):
        values = vector(text, size)
        encoded: Any = values
        if encoding == "base64":
            encoded = base64.b64encode(struct.pack(f"<{size}f", *values)).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": encoded})
    tokens = sum(token_count(t) for t in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return 200, {"object": "list", "data": data, "model": model, "usage": usage}, {}


def rerank(model: str, body: dict[str, Any]) -> Answer:
    """The answer of ``POST /v1/rerank`` for a known rerank model."""
    query = body.get("query")
    if not isinstance(query, str) or not query:
        return _invalid("'query' must be a non-empty string", "query")
    if len(query) > MAX_QUERY_CHARS:
        return _invalid(f"'query' is longer than {MAX_QUERY_CHARS} characters", "query")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        return _invalid("'documents' must be a non-empty list of strings", "documents")
    if len(documents) > MAX_DOCUMENTS:
        return _invalid(f"at most {MAX_DOCUMENTS} documents per request", "documents")
    for i, document in enumerate(documents):
        if not isinstance(document, str):
            return _invalid(f"'documents[{i}]' must be a string", "documents")
        if len(document) > MAX_DOCUMENT_CHARS:
            return _invalid(
                f"'documents[{i}]' is longer than {MAX_DOCUMENT_CHARS} characters", "documents"
            )
    if sum(len(d) for d in documents) > MAX_TOTAL_DOCUMENT_CHARS:
        return _invalid(
            f"the documents exceed {MAX_TOTAL_DOCUMENT_CHARS} characters in all", "documents"
        )
    top_n = body.get("top_n", len(documents))
    if isinstance(top_n, bool) or not isinstance(top_n, int) or not 1 <= top_n <= len(documents):
        return _invalid(f"'top_n' must be from 1 to {len(documents)}", "top_n")
    wanted = body.get("return_documents", False)
    if not isinstance(wanted, bool):
        return _invalid("'return_documents' must be a boolean", "return_documents")
    asked = vector(query, RERANK_DIMENSIONS)
    scored = [(relevance(asked, vector(d, RERANK_DIMENSIONS)), i) for i, d in enumerate(documents)]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    results = []
    for score, index in scored[:top_n]:
        hit: dict[str, Any] = {"index": index, "relevance_score": round(score, 6)}
        if wanted:
            hit["document"] = documents[index]
        results.append(hit)
    tokens = sum(token_count(query) + token_count(d) for d in documents)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    rid = f"rerank-{next(_ids):08d}"
    return 200, {"id": rid, "results": results, "model": model, "usage": usage}, {}


def _invalid(message: str, param: str | None) -> Answer:
    error: dict[str, Any] = {
        "message": message,
        "type": "invalid_request_error",
        "code": "invalid_request_error",
    }
    if param is not None:
        error["param"] = param
    return 400, {"error": error}, {}
