"""Agents SDK input items, tools, handoffs, output schema and settings -> the core's call.

The SDK hands a model its conversation as Responses input items (typed dicts). Items of
one assistant turn (a reasoning item, a message, function calls) become one neutral
assistant message; a reasoning item this adapter produced carries the Messages API's
signed thinking blocks in its ``provider_data``, and they go back unchanged, as a thinking
model in a tool loop requires. The first item of a Gemini answer of ours carries the
answer's own parts there (``gemini_parts``), sent back verbatim, signatures included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from agents.handoffs import Handoff
from agents.tool import FunctionTool

from lemon_adapters.core.request.call import AssistantMessage, ContentPart, Message

if TYPE_CHECKING:
    from agents.agent_output import AgentOutputSchemaBase
    from agents.items import TResponseInputItem
    from agents.model_settings import ModelSettings
    from agents.tool import Tool

#: The ``provider_data["provider"]`` of the reasoning items this adapter makes.
PROVIDER = "lemondata"
#: Input item types that belong to the model's own turn.
_ASSISTANT_ITEMS = ("reasoning", "function_call")


def neutral_messages(
    instructions: str | None, items: str | Sequence[TResponseInputItem]
) -> list[Message]:
    """The neutral conversation for the SDK's system instructions and input items.

    Raises:
        TypeError: an input item this adapter cannot send (a hosted tool's call, a
            computer-use item...), named.
    """
    out: list[Message] = []
    if instructions:
        out.append({"role": "system", "content": instructions})
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    turn: AssistantMessage | None = None
    for raw in items:
        item = cast("Mapping[str, Any]", raw)
        kind = item.get("type") or "message"
        role = item.get("role")
        if kind in _ASSISTANT_ITEMS or (kind == "message" and role == "assistant"):
            if turn is None:
                turn = {"role": "assistant", "content": None}
                out.append(turn)
            _add_to_turn(turn, kind, item)
            continue
        turn = None
        if kind == "function_call_output":
            out.append({"role": "tool", "tool_call_id": item["call_id"], "content": _output(item)})
        elif kind == "message" and role in ("user", "system", "developer"):
            out.append(cast("Message", {"role": role, "content": _content(item["content"])}))
        else:
            raise TypeError(f"LemonDataModel cannot send an input item of type {kind!r}")
    return out


def _add_to_turn(turn: AssistantMessage, kind: str, item: Mapping[str, Any]) -> None:
    data = item.get("provider_data") or {}
    if data.get("provider") == PROVIDER and data.get("gemini_parts"):
        turn["gemini_parts"] = [*turn.get("gemini_parts", []), *data["gemini_parts"]]
    if kind == "reasoning":
        texts = [s["text"] for s in item.get("summary") or ()]
        texts += [c["text"] for c in item.get("content") or () if c.get("text")]
        if texts:
            turn["reasoning_content"] = turn.get("reasoning_content", "") + "".join(texts)
        if data.get("provider") == PROVIDER and data.get("thinking_blocks"):
            turn["thinking_blocks"] = [*turn.get("thinking_blocks", []), *data["thinking_blocks"]]
    elif kind == "function_call":
        call = {"name": item["name"], "arguments": item.get("arguments") or "{}"}
        turn.setdefault("tool_calls", []).append(
            {"id": item["call_id"], "type": "function", "function": call}  # type: ignore[typeddict-item]
        )
    else:
        content = item.get("content")
        text = content if isinstance(content, str) else _texts(content or ())
        turn["content"] = (turn["content"] or "") + text  # type: ignore[operator]


def _texts(parts: Iterable[Mapping[str, Any]]) -> str:
    return "".join(str(p.get("text") or p.get("refusal") or "") for p in parts)


def _output(item: Mapping[str, Any]) -> str:
    output = item.get("output")
    if isinstance(output, str):
        return output
    return _texts(output or ())


def _content(content: str | Iterable[Mapping[str, Any]]) -> str | list[ContentPart]:
    if isinstance(content, str):
        return content
    out: list[ContentPart] = []
    for part in content:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            out.append({"type": "text", "text": str(part["text"])})
        elif kind == "input_image" and part.get("image_url"):
            out.append({"type": "image_url", "image_url": {"url": str(part["image_url"])}})
        elif kind == "input_file" and part.get("file_data"):
            file = {"file_data": str(part["file_data"]), "filename": part.get("filename") or "file"}
            out.append({"type": "file", "file": file})  # type: ignore[typeddict-item]
        else:
            raise TypeError(f"LemonDataModel cannot send a content part of type {kind!r}")
    return out


# -- tools, output, settings ----------------------------------------------------------------


def tool_specs(tools: Sequence[Tool], handoffs: Sequence[Handoff[Any, Any]]) -> list[Any]:
    """Function tools and handoffs as Chat-shaped function tools.

    Raises:
        TypeError: a hosted tool (web search, file search, computer...), named: hosted
            tools are the OpenAI Responses API's, not the gateway's across providers.
    """
    out: list[Any] = []
    for tool in tools:
        if not isinstance(tool, FunctionTool):
            raise TypeError(f"LemonDataModel takes function tools only, got {type(tool).__name__}")
        out.append(_function(tool.name, tool.description, tool.params_json_schema, tool))
    for handoff in handoffs:
        out.append(
            _function(
                handoff.tool_name,
                handoff.tool_description,
                handoff.input_json_schema,
                handoff,
            )
        )
    return out


def _function(name: str, description: str, schema: Mapping[str, Any], tool: Any) -> Any:
    function: dict[str, Any] = {"name": name, "description": description}
    function["parameters"] = dict(schema)
    if tool.strict_json_schema:
        function["strict"] = True
    return {"type": "function", "function": function}


def output_format(schema: AgentOutputSchemaBase | None) -> dict[str, Any]:
    """A JSON-schema ``response_format`` for a structured output type, else nothing."""
    if schema is None or schema.is_plain_text():
        return {}
    json_schema = {
        "name": "final_output",
        "schema": schema.json_schema(),
        "strict": schema.is_strict_json_schema(),
    }
    return {"response_format": {"type": "json_schema", "json_schema": json_schema}}


#: Agents SDK setting -> the core's call option of the same meaning.
SETTINGS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "tool_choice": "tool_choice",
    "parallel_tool_calls": "parallel_tool_calls",
    "truncation": "truncation",
    "max_tokens": "max_tokens",
    "metadata": "metadata",
    "store": "store",
    "include_usage": "stream_usage",
    "top_logprobs": "top_logprobs",
    "extra_headers": "extra_headers",
}


def settings_options(settings: ModelSettings) -> dict[str, Any]:
    """The core's call options for the SDK's model settings (unset ones are left out).

    ``extra_args`` are merged in as options: one the core names (``thinking``, ``seed``,
    ``top_k``...) is sent as such, any other as a body field; ``extra_body`` is sent as
    given. ``reasoning.effort`` is ``reasoning_effort`` (the Messages API takes
    ``extra_args={"thinking": {...}}`` instead).
    """
    out: dict[str, Any] = {}
    for name, option in SETTINGS.items():
        value = getattr(settings, name)
        if value is not None:
            out[option] = value
    if settings.reasoning is not None and settings.reasoning.effort is not None:
        out["reasoning_effort"] = settings.reasoning.effort
    if settings.extra_body:
        out["extra_body"] = settings.extra_body
    return {**out, **(settings.extra_args or {})}
