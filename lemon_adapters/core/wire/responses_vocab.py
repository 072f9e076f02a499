"""What the Responses mapper knows of the API's vocabulary besides its handlers: the
documented event types it skips, and the ``usage`` object's reading (pure)."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.events import Usage
from lemon_adapters.core.wire.fields import Counts

#: Documented event types that carry nothing the normalized stream needs.
IGNORED = frozenset(
    {
        "response.content_part.added",
        "response.content_part.done",
        "response.reasoning_summary_part.done",
        "response.reasoning_summary_text.done",
        "response.reasoning_text.done",
        "response.refusal.done",
        "response.audio.delta",
        "response.audio.done",
        "response.audio.transcript.delta",
        "response.audio.transcript.done",
        "response.code_interpreter_call.in_progress",
        "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call.completed",
        "response.code_interpreter_call_code.delta",
        "response.code_interpreter_call_code.done",
        "response.file_search_call.in_progress",
        "response.file_search_call.searching",
        "response.file_search_call.completed",
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
        "response.image_generation_call.in_progress",
        "response.image_generation_call.generating",
        "response.image_generation_call.partial_image",
        "response.image_generation_call.completed",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_list_tools.in_progress",
        "response.mcp_list_tools.completed",
        "response.mcp_list_tools.failed",
        "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done",
    }
)


def usage_from_responses(usage: Any) -> Usage | None:
    """Normalize a Responses ``usage`` object (``None`` when absent)."""
    if not isinstance(usage, dict):
        return None
    counts = Counts()
    inp = counts.get(usage, "input_tokens") or 0
    outp = counts.get(usage, "output_tokens") or 0
    inputs = counts.details(usage, "input_tokens_details")
    outputs = counts.details(usage, "output_tokens_details")
    return Usage(
        input_tokens=inp,
        output_tokens=outp,
        total_tokens=counts.get(usage, "total_tokens") or inp + outp,
        cached_tokens=counts.get(inputs, "cached_tokens", "input_tokens_details."),
        reasoning_tokens=counts.get(outputs, "reasoning_tokens", "output_tokens_details."),
        invalid_counts=tuple(counts.invalid),
    )
