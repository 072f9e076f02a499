"""LlamaIndex messages and tools <-> the core's neutral request and normalized events.

Outgoing: :func:`to_neutral_messages` turns ``ChatMessage`` blocks into the OpenAI-style
chat messages the core's request builder takes (it then writes either API's body).
Incoming: see :mod:`._stream` (events -> cumulative ``ChatResponse`` chunks); the tool
calls of a response back out (:func:`tool_selections`) are read here. No wire format is
seen here.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from llama_index.core.base.llms.types import (
    AudioBlock,
    CachePoint,
    ChatMessage,
    ChatResponse,
    CitableBlock,
    CitationBlock,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    VideoBlock,
)
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from lemon_adapters.core.request.call import (
    AssistantMessage,
    AudioPart,
    ContentPart,
    FileData,
    FilePart,
    FunctionCall,
    ImagePart,
    ImageURL,
    InputAudio,
    Message,
    SystemMessage,
    TextPart,
    ToolCallSpec,
    ToolMessage,
    UserMessage,
)
from lemon_adapters.core.wire.accumulate import parse_arguments

from ..core.errors import ConfigurationError

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

logger = logging.getLogger("lemon_adapters")

#: The routes that take a prompt-cache marker on a content block (``CachePoint``).
CACHE_POINT_ROUTES = ("messages",)

_ROLES = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "developer",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}

# -- outgoing ---------------------------------------------------------------------------


def to_neutral_messages(
    messages: Sequence[ChatMessage], *, cache_points: bool = False
) -> list[Message]:
    """LlamaIndex messages -> the core's neutral (OpenAI chat-style) messages.

    Never mutates the input. Tool results need ``additional_kwargs["tool_call_id"]`` (as
    LlamaIndex's agents write it); assistant turns keep their tool calls and reasoning.
    With ``cache_points`` (the Messages route), a ``CachePoint`` marks the block before it
    for the provider's prompt cache; elsewhere it has no effect.
    """
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        raise ConfigurationError(
            f"messages must be a list of ChatMessage, not {type(messages).__name__}"
        )
    for i, message in enumerate(messages):
        if not isinstance(message, ChatMessage):
            raise ConfigurationError(
                f"messages[{i}] must be a ChatMessage, not {type(message).__name__} {message!r:.60}"
            )
    return [_neutral_message(m, cache_points) for m in messages]


@dataclass
class _Blocks:
    """What a message's blocks become: content parts, reasoning, signed thinking, calls."""

    parts: list[ContentPart] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    thinking_blocks: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ToolCallSpec] = field(default_factory=list)


def _neutral_message(message: ChatMessage, cache_points: bool = False) -> Message:
    role = _ROLES.get(message.role, str(message.role.value))
    found = _Blocks()
    for block in message.blocks:
        _add_block(found, block, role, cache_points)
    parts = found.parts
    text = "".join(p["text"] for p in parts if p["type"] == "text")
    if role == "assistant":
        return _assistant(message, text, found)
    if role == "tool":
        call_id = message.additional_kwargs.get("tool_call_id")
        return ToolMessage(role="tool", tool_call_id=call_id, content=text)
    plain = all(p["type"] == "text" and "cache_control" not in p for p in parts)
    content: str | list[ContentPart] = text if plain else parts
    if role in ("system", "developer"):
        return SystemMessage(role="developer" if role == "developer" else "system", content=text)
    if role != "user":
        raise ConfigurationError(f"LemonData cannot send a message with role {role!r}")
    return UserMessage(role="user", content=content)


def _add_block(found: _Blocks, block: Any, role: str, cache_points: bool) -> None:
    """Add one LlamaIndex content block to what the message sends."""
    parts = found.parts
    if isinstance(block, TextBlock):
        parts.append(TextPart(type="text", text=block.text))
    elif isinstance(block, ImageBlock):
        parts.append(_image_part(block))
    elif isinstance(block, ToolCallBlock):
        found.calls.append(_call_spec(block.tool_call_id, block.tool_name, block.tool_kwargs))
    elif isinstance(block, ThinkingBlock):
        if block.content:
            found.reasoning.append(block.content)
        native = _native_thinking(block)
        if native is not None:
            found.thinking_blocks.append(native)
    elif isinstance(block, DocumentBlock):
        parts.append(_document_part(block))
    elif isinstance(block, AudioBlock):
        data = block.resolve_audio(as_base64=True).read().decode("ascii")
        audio = InputAudio(data=data, format=block.format or "wav")
        parts.append(AudioPart(type="input_audio", input_audio=audio))
    elif isinstance(block, CitationBlock) and role == "assistant":
        pass  # a source the answer cited (its text is already in the answer)
    elif isinstance(block, CitableBlock | CitationBlock):
        parts.extend(
            TextPart(type="text", text=b.text)
            for b in block.nested_blocks
            if isinstance(b, TextBlock)
        )
    elif isinstance(block, CachePoint):
        if cache_points and parts:  # marks the block before it (Messages route only)
            parts[-1] = cast("ContentPart", {**parts[-1], "cache_control": _cache_control(block)})
    elif isinstance(block, VideoBlock):
        raise ConfigurationError(
            "LemonData cannot send a VideoBlock: the neutral call this package sends on its "
            "routes (Responses, Chat Completions, Messages, Gemini) has no video part"
        )
    else:
        raise ConfigurationError(
            f"LemonData cannot send a {type(block).__name__} in a {role} message"
        )


def _assistant(message: ChatMessage, text: str, found: _Blocks) -> AssistantMessage:
    """An assistant turn as sent back: text, calls, reasoning and what replays verbatim."""
    calls = found.calls or [
        _legacy_call(c) for c in message.additional_kwargs.get("tool_calls") or ()
    ]
    answer = AssistantMessage(role="assistant", content=text if text or not calls else None)
    if calls:
        answer["tool_calls"] = calls
    if found.reasoning:
        answer["reasoning_content"] = "".join(found.reasoning)
    if found.thinking_blocks:
        answer["thinking_blocks"] = found.thinking_blocks
    replay = message.additional_kwargs.get("blocks")
    if isinstance(replay, list) and replay:
        answer["blocks"] = replay  # a Messages answer with server tools, verbatim
    gemini = message.additional_kwargs.get("gemini_parts")
    if isinstance(gemini, list) and gemini:  # a Gemini answer's own parts: signatures
        answer["gemini_parts"] = gemini  # go back on the parts they came on
    return answer


def _cache_control(block: CachePoint) -> dict[str, Any]:
    """The Messages API marker for a ``CachePoint`` (``{"type": "ephemeral", "ttl": ...}``)."""
    control = block.cache_control
    out: dict[str, Any] = {"type": control.type}
    ttl = getattr(control, "ttl", None)
    if ttl:
        out["ttl"] = ttl
    return out


def _native_thinking(block: ThinkingBlock) -> dict[str, Any] | None:
    """The Messages API block a signed ``ThinkingBlock`` came from, to send back unchanged."""
    info = block.additional_information
    if info.get("type") == "redacted_thinking" and info.get("data"):
        return {"type": "redacted_thinking", "data": info["data"]}
    if info.get("signature"):
        return {"type": "thinking", "thinking": block.content or "", "signature": info["signature"]}
    return None


def _image_part(block: ImageBlock) -> ImagePart:
    if block.url is not None and not block.image and not block.path:
        url = str(block.url)
    else:
        data = block.resolve_image(as_base64=True).read().decode("ascii")
        url = f"data:{block.image_mimetype or 'image/png'};base64,{data}"
    image = ImageURL(url=url)
    if block.detail:
        image["detail"] = block.detail
    return ImagePart(type="image_url", image_url=image)


def _document_part(block: DocumentBlock) -> FilePart:
    data = base64.b64encode(block.resolve_document().read()).decode("ascii")
    mime = block.document_mimetype or "application/pdf"  # guessed by the block on creation
    file = FileData(filename=block.title or "document", file_data=f"data:{mime};base64,{data}")
    return FilePart(type="file", file=file)


def _call_spec(call_id: str | None, name: str, arguments: Any) -> ToolCallSpec:
    if not isinstance(arguments, str):
        # A dict (LlamaIndex allows either): the core serializes it as JSON.
        arguments = dict(arguments or {})
    return ToolCallSpec(
        id=call_id, type="function", function=FunctionCall(name=name, arguments=arguments)
    )


def _legacy_call(call: Any) -> ToolCallSpec:
    """A tool call kept only in ``additional_kwargs`` (older memories, OpenAI objects)."""
    if isinstance(call, dict):
        fn = call.get("function") or call
        return _call_spec(call.get("id"), fn.get("name", ""), fn.get("arguments"))
    fn = getattr(call, "function", None)
    return _call_spec(
        getattr(call, "id", None), getattr(fn, "name", ""), getattr(fn, "arguments", None)
    )


def to_tool_specs(tools: Sequence[BaseTool], *, strict: bool) -> list[dict[str, Any]]:
    """LlamaIndex tools -> chat-shaped JSON-schema function tools (the core maps them)."""
    specs = []
    for tool in tools:
        spec = tool.metadata.to_openai_tool(skip_length_check=True)
        if strict and spec.get("type") == "function":
            fn = dict(spec["function"])
            fn["strict"] = True
            fn["parameters"] = {**fn.get("parameters", {}), "additionalProperties": False}
            spec = {**spec, "function": fn}
        specs.append(spec)
    return specs


# -- tool calls back out ----------------------------------------------------------------


def tool_selections(response: ChatResponse) -> list[ToolSelection]:
    """The calls in ``response``, arguments parsed leniently (partial JSON mid-stream)."""
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    raw: list[tuple[str | None, str, Any]]
    if blocks:
        raw = [(b.tool_call_id, b.tool_name, b.tool_kwargs) for b in blocks]
    else:
        legacy = [
            _legacy_call(c) for c in response.message.additional_kwargs.get("tool_calls") or ()
        ]
        raw = [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in legacy]
    cut = isinstance(response.raw, dict) and response.raw.get("finish_reason") == "length"
    selections = []
    for cid, name, args in raw:
        if cut and not _complete(args):
            # The output limit cut this call's JSON: running it with half its arguments
            # could do harm, so it is left out (the answer says finish_reason "length").
            logger.warning("lemon_adapters: tool call %r was cut by the output limit", name)
            continue
        selections.append(
            ToolSelection(tool_id=cid or "", tool_name=name or "", tool_kwargs=lenient_args(args))
        )
    return selections


def _complete(arguments: Any) -> bool:
    """Whether a call's arguments are a whole JSON object (the core's one reader)."""
    return not isinstance(arguments, str) or parse_arguments(arguments)[0] is not None


def lenient_args(arguments: Any) -> dict[str, Any]:
    """Arguments as a dict: parsed JSON, the most of a partial object, or ``{}``."""
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = parse_partial_json(arguments)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def keep_first_call(response: ChatResponse) -> ChatResponse:
    """``response`` with only its first tool call (a new object; the input is untouched)."""
    blocks = response.message.blocks
    calls = [b for b in blocks if isinstance(b, ToolCallBlock)]
    if len(calls) <= 1:
        return response
    kept = [b for b in blocks if not isinstance(b, ToolCallBlock)] + calls[:1]
    kwargs = dict(response.message.additional_kwargs)
    if isinstance(kwargs.get("tool_calls"), list):
        kwargs["tool_calls"] = kwargs["tool_calls"][:1]
    message = response.message.model_copy(update={"blocks": kept, "additional_kwargs": kwargs})
    return response.model_copy(update={"message": message})
