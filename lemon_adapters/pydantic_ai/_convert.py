"""pydantic-ai messages, tools, output modes and settings -> the core's neutral call.

The neutral input is the Chat Completions message shape (see
:mod:`lemon_adapters.core.request.call`); the core's body builders turn it into whichever
API the call goes to. A thinking part this adapter produced on the Messages API (its
``provider_name`` is :data:`PROVIDER` and it has a signature) goes back as the signed
``thinking`` block the API requires in a tool loop, its text unchanged. A Gemini answer of
ours keeps its own parts in ``provider_details["gemini_parts"]``; they go back verbatim as
the core's ``gemini_parts`` (each ``thoughtSignature`` on the part it came on).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic_ai.messages import (
    BinaryContent,
    DocumentUrl,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition

from lemon_adapters.core.request.call import (
    AssistantMessage,
    ContentPart,
    Message,
    ToolCallSpec,
    ToolMessage,
)

#: The ``provider_name`` of every part this adapter makes; signatures go back only to it.
PROVIDER = "lemondata"
#: The ``provider_details`` key of a Gemini answer's own parts (sent back verbatim).
GEMINI_PARTS = "gemini_parts"
#: A redacted thinking block's part (its opaque ``data`` is the part's signature), as
#: pydantic-ai's own Anthropic model marks it.
REDACTED_ID = "redacted_thinking"
#: Thinking budgets (Messages API ``budget_tokens``) for pydantic-ai's effort levels.
BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32768}
BUDGETS["max"] = 65536


def neutral_messages(instructions: str | None, messages: Sequence[ModelMessage]) -> list[Message]:
    """The neutral conversation: the instructions first, then each request's parts and each
    response as one assistant turn.

    Raises:
        TypeError: a user content item this adapter cannot send (audio, video, a document
            given by URL without a ``data:`` scheme is sent as a file URL).
    """
    out: list[Message] = []
    if instructions:
        out.append({"role": "system", "content": instructions})
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                converted = _request_part(part)
                if converted is not None:
                    out.append(converted)
        elif isinstance(message, ModelResponse):
            out.append(assistant_turn(message))
    return out


def _request_part(part: object) -> Message | None:
    if isinstance(part, SystemPromptPart):
        return {"role": "system", "content": part.content}
    if isinstance(part, UserPromptPart):
        if isinstance(part.content, str):
            return {"role": "user", "content": part.content}
        return {"role": "user", "content": [_user_item(item) for item in part.content]}
    if isinstance(part, ToolReturnPart):
        result: ToolMessage = {
            "role": "tool",
            "tool_call_id": part.tool_call_id,
            "content": part.model_response_str(),
        }
        if part.outcome in ("failed", "retried"):
            result["is_error"] = True
        return result
    if isinstance(part, RetryPromptPart):
        if part.tool_name is None:
            return {"role": "user", "content": part.model_response()}
        return {
            "role": "tool",
            "tool_call_id": part.tool_call_id,
            "content": part.model_response(),
            "is_error": True,
        }
    response = getattr(part, "model_response", None)  # RetryFeedbackPart (newer releases)
    if callable(response):
        return {"role": "user", "content": str(response())}
    # Bookkeeping parts (tool availability, settings deltas...) carry nothing to send:
    # pydantic-ai's prepare_messages has already rendered what the model must see.
    return None


def _user_item(item: object) -> ContentPart:
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if isinstance(item, ImageUrl):
        return {"type": "image_url", "image_url": {"url": item.url}}
    if isinstance(item, BinaryContent):
        url = f"data:{item.media_type};base64,{base64.b64encode(item.data).decode()}"
        if item.is_image:
            return {"type": "image_url", "image_url": {"url": url}}
        if item.is_document:
            name = f"document.{item.format}"
            return {"type": "file", "file": {"filename": name, "file_data": url}}
    if isinstance(item, DocumentUrl) and item.url.startswith("data:"):
        return {"type": "file", "file": {"filename": "document", "file_data": item.url}}
    raise TypeError(
        f"LemonDataModel cannot send a {type(item).__name__} in a user prompt "
        "(text, images and documents are supported)"
    )


def assistant_turn(response: ModelResponse) -> AssistantMessage:
    """One earlier answer as a neutral assistant message (text, tool calls, reasoning, and
    the signed thinking blocks of this adapter's Messages API answers)."""
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCallSpec] = []
    thinking: list[dict[str, Any]] = []
    for part in response.parts:
        if isinstance(part, TextPart):
            texts.append(part.content)
        elif isinstance(part, ToolCallPart):
            calls.append(
                {
                    "id": part.tool_call_id,
                    "type": "function",
                    "function": {"name": part.tool_name, "arguments": part.args_as_json_str()},
                }
            )
        elif isinstance(part, ThinkingPart):
            reasoning.append(part.content)
            block = thinking_block(part)
            if block is not None:
                thinking.append(block)
    out: AssistantMessage = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        out["tool_calls"] = calls
    if any(reasoning):
        out["reasoning_content"] = "".join(reasoning)
    gemini = _gemini_parts(response)
    if gemini is not None:
        out["gemini_parts"] = gemini  # its signatures go back on the parts they came on
    elif thinking:
        out["thinking_blocks"] = thinking
    return out


def _gemini_parts(response: ModelResponse) -> list[dict[str, Any]] | None:
    """The parts of a Gemini answer of ours, as this adapter kept them (opaque)."""
    if response.provider_name != PROVIDER or not response.provider_details:
        return None
    parts = response.provider_details.get(GEMINI_PARTS)
    return list(parts) if parts else None


def thinking_block(part: ThinkingPart) -> dict[str, Any] | None:
    """The Messages API block a signed thinking part of ours stands for, else ``None``."""
    if part.provider_name != PROVIDER or not part.signature:
        return None
    if part.id == REDACTED_ID:
        return {"type": "redacted_thinking", "data": part.signature}
    return {"type": "thinking", "thinking": part.content, "signature": part.signature}


# -- tools and output -----------------------------------------------------------------------


def tool_spec(tool: ToolDefinition) -> dict[str, Any]:
    """A pydantic-ai tool definition as a Chat-shaped function tool."""
    function: dict[str, Any] = {"name": tool.name, "parameters": tool.parameters_json_schema}
    if tool.description:
        function["description"] = tool.description
    if tool.strict is not None:
        function["strict"] = tool.strict
    return {"type": "function", "function": function}


def tools_and_output(params: ModelRequestParameters) -> dict[str, Any]:
    """The call options for the request's function tools and its output mode.

    ``tool`` output: the output tools are offered with the function tools, and a call is
    required when text is not an allowed output. ``native``: a JSON-schema
    ``response_format``. ``prompted``: nothing here (pydantic-ai put the schema in the
    instructions).
    """
    # pydantic-ai 2.6x+ withholds deferred tools from `function_tools` in this property.
    function_tools = getattr(params, "declared_function_tools", params.function_tools)
    tools = [tool_spec(t) for t in [*function_tools, *params.output_tools]]
    out: dict[str, Any] = {}
    if tools:
        out["tools"] = tools
        if not params.allow_text_output:
            out["tool_choice"] = "required"
    if params.output_mode == "native" and params.output_object is not None:
        schema = params.output_object
        json_schema: dict[str, Any] = {
            "name": schema.name or "final_result",
            "schema": schema.json_schema,
        }
        if schema.description:
            json_schema["description"] = schema.description
        if schema.strict is not None:
            json_schema["strict"] = schema.strict
        out["response_format"] = {"type": "json_schema", "json_schema": json_schema}
    return out


# -- settings -------------------------------------------------------------------------------

#: pydantic-ai setting -> the core's call option of the same meaning.
SETTINGS = {
    "max_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "stop_sequences": "stop",
    "parallel_tool_calls": "parallel_tool_calls",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "timeout": "timeout",
    "extra_headers": "extra_headers",
    "extra_body": "extra_body",
}


def settings_options(settings: ModelSettings | None) -> dict[str, Any]:
    """The core's call options for pydantic-ai's model settings (unset ones are left out;
    ``logit_bias`` and anything else unnamed go in ``extra_body`` as given)."""
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in cast("Mapping[str, Any]", settings or {}).items():
        if value is None or key == "thinking":
            continue
        if key in SETTINGS:
            out[SETTINGS[key]] = value
        elif key == "logit_bias":
            extra[key] = value
    if extra:
        out["extra_body"] = {**extra, **out.get("extra_body", {})}
    return out


def thinking_options(thinking: object, api: str) -> dict[str, Any]:
    """pydantic-ai's unified ``thinking`` setting (``True``, ``False`` or an effort) as the
    call option of the API in use: ``thinking`` with a token budget on the Messages API;
    on Gemini, thoughts included (``thinkingConfig.includeThoughts``) and an effort as
    ``reasoning_effort`` (``thinkingLevel``); ``reasoning_effort`` elsewhere. ``True`` leaves
    the effort to the provider on the Responses, Chat and Gemini APIs; ``False`` and
    ``None`` send nothing."""
    if thinking is None or thinking is False:
        return {}
    if api == "messages":
        budget = BUDGETS["medium"] if thinking is True else BUDGETS.get(str(thinking), 8192)
        return {"thinking": {"type": "enabled", "budget_tokens": budget}}
    if api == "gemini":  # thoughts returned; an effort is Gemini's thinkingLevel
        shown: dict[str, Any] = {"thinking": {"includeThoughts": True}}
        return shown if thinking is True else {**shown, "reasoning_effort": str(thinking)}
    return {} if thinking is True else {"reasoning_effort": str(thinking)}
