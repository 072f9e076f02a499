"""The Gemini API's vocabulary, as the mapper (:mod:`.gemini`) reads it: finish and block
reasons (by name, or as the integer enums of ``enum-encoding=int`` bodies), code-execution
outcomes, the names of its server tools, and ``usageMetadata``."""

from __future__ import annotations

from typing import Any, Literal

from lemon_adapters.core.events import FinishReason, Usage
from lemon_adapters.core.wire.fields import Counts
from lemon_adapters.core.wire.fields import text as wire_text

_SAFETY = ("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE")
#: ``finishReason`` -> normalized reason; anything else is "other" (raw kept).
FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    **{name: "content_filter" for name in _SAFETY},
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
}
#: ``$alt=json;enum-encoding=int`` bodies send enums as numbers (google.ai.generativelanguage
#: v1beta ``Candidate.FinishReason``); the raw reason is kept by name.
FINISH_ENUM = {
    0: "FINISH_REASON_UNSPECIFIED",
    1: "STOP",
    2: "MAX_TOKENS",
    3: "SAFETY",
    4: "RECITATION",
    5: "OTHER",
    6: "LANGUAGE",
    7: "BLOCKLIST",
    8: "PROHIBITED_CONTENT",
    9: "SPII",
    10: "MALFORMED_FUNCTION_CALL",
}
BLOCK_ENUM = {0: "BLOCK_REASON_UNSPECIFIED", 1: "SAFETY", 2: "OTHER", 3: "BLOCKLIST"}
CODE_EXECUTION = "code_execution"
#: ``codeExecutionResult.outcome`` -> the normalized status (the raw one stays in the part).
OUTCOMES: dict[str, Literal["success", "error"]] = {
    "OUTCOME_OK": "success",
    "OUTCOME_FAILED": "error",
    "OUTCOME_DEADLINE_EXCEEDED": "error",
}
GOOGLE_SEARCH = "google_search"
#: The id given to a call the API named none for (older models): never sent back.
SYNTHETIC_ID_PREFIX = "gemini_call_"


def enum_name(value: Any, names: dict[int, str], what: str) -> str | None:
    if type(value) is int:
        return names.get(value, str(value))
    return wire_text(value, what)


def char_offset(answer: bytes, offset: Any) -> int | None:
    """A UTF-8 byte offset into the answer as a character offset (``None`` if absent, or
    past the answer so far: then it counts in a text this stream does not hold)."""
    if type(offset) is not int or offset < 0 or offset > len(answer):
        return None
    return len(answer[:offset].decode("utf-8", "ignore"))


def usage_from_gemini(usage: Any) -> Usage | None:
    """Normalize a ``usageMetadata`` snapshot (``None`` when absent or without counts)."""
    if not isinstance(usage, dict) or not usage:
        return None
    counts = Counts()
    prompt = counts.get(usage, "promptTokenCount")
    tool_prompt = counts.get(usage, "toolUsePromptTokenCount")
    candidates = counts.get(usage, "candidatesTokenCount")
    thoughts = counts.get(usage, "thoughtsTokenCount")
    cached = counts.get(usage, "cachedContentTokenCount")
    inp = (prompt or 0) + (tool_prompt or 0)
    outp = (candidates or 0) + (thoughts or 0)
    return Usage(
        input_tokens=inp,
        output_tokens=outp,
        total_tokens=inp + outp,
        cached_tokens=cached,
        reasoning_tokens=thoughts,
        invalid_counts=tuple(counts.invalid),
    )
