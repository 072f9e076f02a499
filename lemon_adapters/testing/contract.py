"""LemonData's documented contract, as the local dev server plays it.

The error bodies below are LemonData's public documentation (docs.lemondata.cc: the
error-handling guide, the Agent-First API guide, the models reference): its JSON examples
copied as shown there, with the status the page gives them, and, marked "(table)", bodies
built from the pages' code tables where a page shows no JSON for that code. Where pages
disagree, both forms are kept: ``model_not_found`` is a 400 on the Agent-First and
error-handling pages (with ``param``, ``did_you_mean`` and object-valued ``suggestions``) and a
404 on the model-detail page (without them); 402 is ``insufficient_balance`` on the newer
pages and ``insufficient_quota`` on older ones; the rate-limit ``type`` is
``rate_limit_exceeded`` (newer) or ``rate_limit_error`` (older); ``all_channels_failed`` has
no ``type`` at all. The tests feed every one of them through both clients and both adapters.

The catalog answers ``GET /v1/models`` and ``GET /v1/models/{model}`` in the documented shape
(``id``, ``object``, ``created``, ``owned_by`` and the ``lemondata`` extension: ``category``,
``pricing_unit``, ``capability_flags``, ``supported_operations``, ...).
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

#: (name, HTTP status, error object): the documented examples, each as its page shows it.
DOCUMENTED_ERRORS: list[tuple[str, int, dict[str, Any]]] = [
    (
        "model_not_found (Agent-First, 400)",
        400,
        {
            "message": "Model 'gpt5' not found",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
            "did_you_mean": "gpt-5.4",
            "suggestions": [{"id": "gpt-5.4"}, {"id": "gpt-5-mini"}, {"id": "claude-sonnet-4-6"}],
            "hint": "Did you mean 'gpt-5.4'? Use GET https://api.lemondata.cc/v1/models to list"
            " all available models.",
        },
    ),
    (
        "model_not_found (model detail, 404)",
        404,
        {
            "message": "Model 'invalid-model' not found",
            "type": "invalid_request_error",
            "code": "model_not_found",
        },
    ),
    (
        "invalid_api_key (401) (table)",
        401,
        {"message": "Invalid API key", "type": "invalid_api_key", "code": "invalid_api_key"},
    ),
    (
        "expired_api_key (401) (table)",
        401,
        {
            "message": "API key has been revoked",
            "type": "expired_api_key",
            "code": "expired_api_key",
        },
    ),
    (
        "insufficient_balance (402)",
        402,
        {
            "message": "Insufficient balance: need ~$0.3500 for claude-sonnet-4-6, but balance is"
            " $0.1200.",
            "type": "insufficient_balance",
            "code": "insufficient_balance",
            "balance_usd": 0.12,
            "estimated_cost_usd": 0.35,
            "suggestions": [{"id": "gpt-5-mini"}, {"id": "deepseek-v3-2"}],
            "hint": "Insufficient balance: need ~$0.3500 for claude-sonnet-4-6, but balance is"
            " $0.1200. Try a cheaper model, or top up at https://lemondata.cc/dashboard/billing.",
        },
    ),
    (
        "insufficient_quota (402, older pages) (table)",
        402,
        {
            "message": "Insufficient quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        },
    ),
    (
        "quota_exceeded (402, the key's spend limit) (table)",
        402,
        {
            "message": "API key usage limit reached",
            "type": "quota_exceeded",
            "code": "quota_exceeded",
        },
    ),
    (
        "access_denied (403) (table)",
        403,
        {"message": "Access to resource denied", "type": "access_denied", "code": "access_denied"},
    ),
    (
        "model_not_allowed (403)",
        403,
        {
            "message": "You don't have permission to access this model",
            "type": "access_denied",
            "code": "model_not_allowed",
        },
    ),
    (
        "context_length_exceeded (400)",
        400,
        {
            "message": "This model's maximum context length is 128000 tokens...",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
            "retryable": False,
            "suggestions": [{"id": "gemini-2.5-pro"}, {"id": "claude-sonnet-4-6"}],
            "hint": "Reduce your input or switch to a model with a larger context window.",
        },
    ),
    (
        "invalid_request_error (400) (table)",
        400,
        {
            "message": "Request parameters are invalid",
            "type": "invalid_request_error",
            "code": "invalid_request_error",
            "param": "temperature",
        },
    ),
    (
        "payload_too_large (413)",
        413,
        {
            "message": "Input size exceeds maximum allowed",
            "type": "invalid_request_error",
            "code": "payload_too_large",
        },
    ),
    (
        "rate_limit_exceeded (429)",
        429,
        {
            "message": "Rate limit: 60 rpm exceeded",
            "type": "rate_limit_exceeded",
            "code": "rate_limit_exceeded",
            "retryable": True,
            "retry_after": 8,
            "hint": "Rate limited. Retry after 8s. Current limit: 60/min for user role.",
        },
    ),
    (
        "rate_limit_error (429, older pages) (table)",
        429,
        {
            "message": "Rate limit: 60 rpm exceeded",
            "type": "rate_limit_error",
            "code": "rate_limit_exceeded",
            "retryable": True,
            "retry_after": 8,
        },
    ),
    (
        "all_channels_failed (503)",
        503,
        {
            "message": "Model claude-opus-4-6 temporarily unavailable",
            "code": "all_channels_failed",
            "retryable": True,
            "retry_after": 30,
            "alternatives": [
                {"id": "claude-sonnet-4-6", "status": "available", "tags": []},
                {"id": "gpt-5-mini", "status": "available", "tags": []},
            ],
            "hint": "All channels for 'claude-opus-4-6' are temporarily unavailable. Retry in"
            " 30s or try an alternative model.",
        },
    ),
    (
        "all_channels_failed, no channel configured (503) (table)",
        503,
        {
            "message": "No channels configured for model claude-opus-4-6",
            "code": "all_channels_failed",
            "retryable": False,
            "hint": "This model has no available channel; try an alternative model.",
        },
    ),
    (
        "upstream_error (502) (table)",
        502,
        {"message": "Upstream provider error", "type": "upstream_error", "code": "upstream_error"},
    ),
    (
        "timeout_error (504) (table)",
        504,
        {"message": "Request timed out", "type": "timeout_error", "code": "timeout_error"},
    ),
]

#: The documented example for each status, for the dev server's ``error-<status>`` models.
BY_STATUS: dict[int, dict[str, Any]] = {}
for _name, _status, _error in DOCUMENTED_ERRORS:
    BY_STATUS.setdefault(_status, _error)

#: Headers the documented examples come with.
STATUS_HEADERS: dict[int, dict[str, str]] = {429: {"Retry-After": "8"}, 503: {"Retry-After": "30"}}

#: What a successful ``/v1/chat/completions`` answer for a model with a native route says.
NATIVE_ROUTES: dict[str, tuple[str, str]] = {
    "claude": (
        "/v1/messages",
        "This model supports native Anthropic format. Use POST /v1/messages for better"
        " performance (no format conversion).",
    ),
    "gemini": (
        "/v1beta/gemini",
        "This model supports native Gemini format. Use the native Gemini endpoint for better"
        " performance (no format conversion).",
    ),
}


def _chat(id_: str, owner: str, tags: list[str], **flags: bool) -> dict[str, Any]:
    capability = {"tools": True, "vision": False, "reasoning": False, "json_schema": True}
    capability.update(flags)
    return {
        "id": id_,
        "object": "model",
        "created": 1706000000,
        "owned_by": owner,
        "lemondata": {
            "category": "chat",
            "pricing_unit": "per_token",
            "capability_flags": capability,
            "supported_operations": None,
            "tags": tags,
        },
    }


def _other(id_: str, owner: str, category: str, operation: str) -> dict[str, Any]:
    return {
        "id": id_,
        "object": "model",
        "created": 1706000000,
        "owned_by": owner,
        "lemondata": {
            "category": category,
            "pricing_unit": "per_token",
            "capability_flags": None,
            "supported_operations": [operation],
            "tags": [category],
            "public_contract_summary": {
                "public_operations": [operation],
                "request_endpoint": f"/v1/{operation}",
            },
        },
    }


#: What ``GET /v1/models`` lists (documented example ids where the docs give them).
CATALOG: list[dict[str, Any]] = [
    _chat("gpt-5.4", "openai", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("gpt-5-mini", "openai", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("gpt-4o", "openai", ["chat"], vision=True),
    _chat("gpt-4o-mini", "openai", ["chat"], vision=True),
    _chat("claude-sonnet-4-6", "anthropic", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("claude-sonnet-4-5", "anthropic", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("claude-haiku-4-5", "anthropic", ["chat"], vision=True),
    _chat("gemini-2.5-flash", "google", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("gemini-2.5-pro", "google", ["chat", "reasoning"], vision=True, reasoning=True),
    _chat("deepseek-chat", "deepseek", ["chat"]),
    _chat("deepseek-reasoner", "deepseek", ["chat", "reasoning"], reasoning=True),
    _other("text-embedding-3-small", "openai", "embedding", "embeddings"),
    _other("text-embedding-3-large", "openai", "embedding", "embeddings"),
    _other("text-embedding-ada-002", "openai", "embedding", "embeddings"),
    _other("BAAI/bge-reranker-v2-m3", "baai", "rerank", "rerank"),
    _other("qwen3-rerank", "alibaba", "rerank", "rerank"),
]


def list_models(query: dict[str, str]) -> list[dict[str, Any]]:
    """The catalog filtered by ``category``, ``provider``, ``tag`` and ``recommended_for``."""
    rows = []
    for model in CATALOG:
        ext = model["lemondata"]
        if "category" in query and ext["category"] != query["category"]:
            continue
        if "provider" in query and model["owned_by"] != query["provider"]:
            continue
        if "tag" in query and query["tag"] not in ext["tags"]:
            continue
        if "recommended_for" in query and ext["category"] != query["recommended_for"]:
            continue
        row = copy.deepcopy(model)
        # The list is for discovery: detail-only fields live on GET /v1/models/{model}.
        row["lemondata"].pop("capability_flags")
        if "recommended_for" in query:
            row["lemondata"]["agent_preferences"] = {
                query["recommended_for"]: {"preferred_rank": 1, "status": "insufficient_samples"}
            }
        rows.append(row)
    return rows


def find_model(model_id: str) -> dict[str, Any] | None:
    """The catalog entry for ``model_id`` with its detail-only fields, if listed."""
    for model in CATALOG:
        if model["id"] == model_id:
            detail = copy.deepcopy(model)
            detail["lemondata"]["public_contract"] = {"request_endpoint": "/v1/chat/completions"}
            return detail
    return None


def did_you_mean(model_id: str) -> str | None:
    """The listed model a misspelled name most likely meant, as LemonData resolves it
    (normalized, close by edit distance), or ``None`` if nothing is close."""
    names = [m["id"] for m in CATALOG]
    close = difflib.get_close_matches(model_id, names, n=1, cutoff=0.85)
    return close[0] if close else None


def model_not_found(model_id: str) -> dict[str, Any]:
    """The Agent-First 400 body for a misspelled model name."""
    guess = did_you_mean(model_id)
    names = [m["id"] for m in CATALOG if m["lemondata"]["category"] == "chat"]
    suggestions = [guess] if guess else []
    suggestions += [n for n in difflib.get_close_matches(model_id, names, n=3, cutoff=0.5)]
    error: dict[str, Any] = {
        "message": f"Model '{model_id}' not found",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
        "suggestions": [{"id": s} for s in dict.fromkeys(suggestions)],
        "hint": "Use GET https://api.lemondata.cc/v1/models to list all available models.",
    }
    if guess:
        error["did_you_mean"] = guess
        error["hint"] = f"Did you mean '{guess}'? " + error["hint"]
    return error


#: What ``GET /v1/pricing`` lists: LemonData's documented fields, prices as decimal
#: strings (``per_request`` for models billed per call, ``None`` elsewhere).
PRICES: list[dict[str, Any]] = [
    {"model": "gpt-4o", "input_per_1m": "2.50", "output_per_1m": "10.00", "per_request": None},
    {"model": "gpt-4o-mini", "input_per_1m": "0.15", "output_per_1m": "0.60", "per_request": None},
    {
        "model": "claude-sonnet-4-6",
        "input_per_1m": "3.00",
        "output_per_1m": "15.00",
        "per_request": None,
    },
    {
        "model": "text-embedding-3-small",
        "input_per_1m": "0.02",
        "output_per_1m": None,
        "per_request": None,
    },
    {"model": "qwen3-rerank", "input_per_1m": None, "output_per_1m": None, "per_request": "0.001"},
]


def pricing(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The status and body ``GET /v1/pricing[?model=]`` answers with."""
    rows = [
        {**row, "is_lock_price": False, "currency": "USD"}
        for row in PRICES
        if row["model"] == query.get("model", row["model"])
    ]
    if not rows:
        return 404, {"error": dict(BY_STATUS[404], message=f"Model '{query['model']}' not found")}
    return 200, {"object": "list", "data": rows}
