"""The one reader of LemonData's error JSON and of the error facts in response headers.

Every path that meets an error body reads it here: an HTTP error response
(:func:`~lemon_adapters.core.errors.api_error`), an in-stream error frame or a failed
response (:func:`~lemon_adapters.core.errors.stream_error`), a resume. Nothing here raises,
whatever the body holds: a field of the wrong type reads as ``None``.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Fields read into attributes; anything else in the error object goes to ``extra``.
_KNOWN = frozenset(
    {
        "message",
        "code",
        "type",
        "param",
        "did_you_mean",
        "suggestions",
        "alternatives",
        "hint",
        "retryable",
        "retry_after",
        "balance_usd",
        "estimated_cost_usd",
        "request_id",
    }
)


@dataclass(slots=True, kw_only=True)
class ErrorFields:
    """What an error object says, each field typed (a field of the wrong type is ``None``)."""

    message: str | None = None
    code: str | None = None
    type: str | None = None
    param: str | None = None
    did_you_mean: str | None = None
    suggestions: list[str] | None = None
    suggestions_raw: list[Any] | None = None
    alternatives: list[dict[str, Any]] | None = None
    hint: str | None = None
    retryable: bool | None = None
    retry_after: float | None = None
    balance_usd: float | None = None
    estimated_cost_usd: float | None = None
    request_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """The fields as keyword arguments of
        :class:`~lemon_adapters.core.errors.LemonDataError` (``message`` and ``request_id``
        aside: the caller decides between the body's and the headers')."""
        return {
            name: getattr(self, name)
            for name in self.__slots__
            if name not in ("message", "request_id")
        }


def error_fields(body: Any) -> ErrorFields:
    """Read an error body: ``{"error": {...}}``, ``{"error": "text"}``, the error object
    itself, or FastAPI's ``{"detail": ...}``. Never raises, whatever ``body`` is."""
    out = ErrorFields()
    if not isinstance(body, dict):
        return out
    raw = body.get("error", body)
    if isinstance(raw, str):
        out.message = raw
        raw = body
    if not isinstance(raw, dict):
        return out
    out.message = out.message or text_of(raw.get("message"))
    if out.message is None and body.get("detail") is not None:
        out.message = text_of(body["detail"]) or _clip(body["detail"])
    out.code = text_of(raw.get("code"), numbers=True)
    out.type = text_of(raw.get("type")) or text_of(body.get("type") if raw is not body else None)
    out.param = text_of(raw.get("param"), numbers=True)
    out.did_you_mean = text_of(raw.get("did_you_mean"))
    out.hint = text_of(raw.get("hint"))
    suggestions = raw.get("suggestions")
    if isinstance(suggestions, list):
        out.suggestions_raw = suggestions
        ids = (s.get("id") if isinstance(s, dict) else s for s in suggestions)
        out.suggestions = [i for i in ids if isinstance(i, str) and i]
    alternatives = raw.get("alternatives")
    if isinstance(alternatives, list):
        out.alternatives = [a for a in alternatives if isinstance(a, dict)]
    retryable = raw.get("retryable")
    out.retryable = retryable if isinstance(retryable, bool) else None
    out.retry_after = seconds(raw.get("retry_after"))
    out.balance_usd = _number(raw.get("balance_usd"))
    out.estimated_cost_usd = _number(raw.get("estimated_cost_usd"))
    # Anthropic-shaped bodies carry the id beside the error object: {"type": "error",
    # "error": {...}, "request_id": "req_..."}.
    out.request_id = text_of(raw.get("request_id")) or text_of(body.get("request_id"))
    out.extra = {k: v for k, v in raw.items() if k not in _KNOWN}
    if isinstance(raw.get("status"), str) and type(raw.get("code")) is int:
        _google_fields(raw, out)
    return out


#: Google's ``ErrorInfo.reason`` values that name what a caller acts on, as LemonData codes.
_GOOGLE_REASONS = {
    "API_KEY_INVALID": "invalid_api_key",
    "API_KEY_EXPIRED": "expired_api_key",
    "RATE_LIMIT_EXCEEDED": "rate_limit_exceeded",
}
#: Google's NOT_FOUND text for an unknown model: "models/x is not found for API version..."
#: (Gemini API), "Publisher Model `.../models/x` was not found..." (Vertex AI).
_GOOGLE_MODEL_NOT_FOUND = re.compile(
    r"\bmodels/\S+ is not found|\bPublisher Model\b.*\bnot found", re.IGNORECASE
)


def _google_fields(raw: Mapping[str, Any], out: ErrorFields) -> None:
    """Google's error shape (``{"code": 400, "message", "status": "INVALID_ARGUMENT",
    "details": [...]}``, the Gemini route's): ``type`` is the status, ``code`` the
    ``ErrorInfo`` reason (as LemonData's code where one means the same: an invalid key is
    an authentication error though Google answers 400), ``retry_after`` the ``RetryInfo``
    delay. The details stay in ``extra``."""
    out.type = raw["status"]
    reason = None
    details = raw.get("details")
    for detail in details if isinstance(details, list) else ():
        if not isinstance(detail, dict):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and isinstance(detail.get("reason"), str):
            reason = detail["reason"]
        elif kind.endswith("google.rpc.RetryInfo") and out.retry_after is None:
            delay = detail.get("retryDelay")  # a Duration in JSON: "38s", "1.5s"
            if isinstance(delay, str):
                out.retry_after = seconds(delay.removesuffix("s"))
    if reason in _GOOGLE_REASONS:
        out.code = _GOOGLE_REASONS[reason]
    elif raw["status"] == "NOT_FOUND" and _GOOGLE_MODEL_NOT_FOUND.search(out.message or ""):
        out.code = "model_not_found"
    else:
        out.code = reason or raw["status"]


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The gateway's request id, for support tickets."""
    value = headers.get("x-request-id") or headers.get("request-id") or headers.get("x-trace-id")
    return None if value is None else str(value)


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    wait = seconds(headers.get("retry-after-ms"))
    if wait is not None:
        return wait / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    wait = seconds(value)
    if wait is not None:
        return wait
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means GMT too
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, parsed.timestamp() - (time.time() if now is None else now))


def seconds(value: Any) -> float | None:
    """A non-negative, finite number of seconds from a number or numeric text, else None."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    number = _number(value)
    return None if number is None else max(0.0, number)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        return None
    return number if math.isfinite(number) else None


def text_of(value: Any, *, numbers: bool = False) -> str | None:
    """``value`` if it is a non-empty string (or, with ``numbers``, a number as text)."""
    if isinstance(value, str):
        return value or None
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # OpenRouter sends numeric codes (``429``)
    return None


def _clip(value: Any) -> str:
    try:
        return json.dumps(value)[:500]
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def loads_body(content: bytes) -> Any:
    """An error body's JSON, or ``None`` when it is empty, not JSON or nested too deeply."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
        return None


def describe_body(content_type: str, content: bytes) -> str:
    """What a body that is no JSON error looks like, for the message (an HTML page ...)."""
    text = content[:300].decode("utf-8", "replace").strip()
    if not text:
        return " with an empty body"
    if "html" in content_type or text[:1] == "<":
        return (
            f" with an HTML page instead of a JSON error (from a proxy or load balancer?):"
            f" {text[:200]!r}"
        )
    return f" ({content_type or 'no content type'}): {text[:200]!r}"
