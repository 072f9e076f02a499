"""LangChain messages and tools <-> the core's neutral request and normalized events.

Requests: LangChain messages become the core's neutral messages (OpenAI Chat Completions
message dicts); the core builds each API's body from them. Responses: normalized core
events become ``AIMessageChunk`` objects, and a core ``StreamResult`` becomes an
``AIMessage``. No wire format is parsed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    InvalidToolCall,
    ToolCall,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call_chunk
from langchain_core.messages.utils import convert_to_openai_messages

from lemon_adapters.core.accumulate import TRANSPORT_FIELDS, StreamResult
from lemon_adapters.core.call import Message
from lemon_adapters.core.events import (
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)

PROVIDER = "lemondata"

# Assistant content parts that carry the model's reasoning in LangChain messages: the v1
# standard block ("reasoning") and Anthropic's native block ("thinking").
_REASONING_BLOCKS = {"reasoning": "reasoning", "thinking": "thinking"}


# -- LangChain messages -> neutral messages ---------------------------------------------


def to_neutral_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """LangChain messages as the core's neutral (Chat Completions shaped) messages.

    langchain-core's own converter writes the OpenAI shape the neutral messages are; its
    dicts are untyped, so they are taken as :data:`Message` here, at that one boundary.
    """
    return [cast("Message", to_neutral_message(m)) for m in messages]


def to_neutral_message(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as a neutral message.

    langchain-core's own OpenAI converter handles roles, names, standard data blocks
    (v1 ``image``/``file`` blocks with base64 or URL, Anthropic ``source`` images) and
    tool calls (also those given as Anthropic ``tool_use`` blocks). On top of it:
    reasoning on assistant messages is passed back as ``reasoning_content`` (models such
    as DeepSeek's thinking models need it when tools are involved) and never sent as a
    content part, and a ``ToolMessage`` with ``status="error"`` says so in its text.
    """
    out: dict[str, Any] = dict(convert_to_openai_messages(_with_filenames(message)))
    if isinstance(message, AIMessage):
        reasoning = reasoning_of(message)
        content = out.get("content")
        if isinstance(content, list):
            out["content"] = "".join(
                p.get("text", "")
                for p in content
                if isinstance(p, dict) and p.get("type") == "text"
            )
        if reasoning:
            out["reasoning_content"] = reasoning
    elif isinstance(message, ToolMessage) and message.status == "error":
        content = out.get("content")
        # Chat Completions and Responses have no error flag on tool results, so the
        # status travels in the text, where the model reads it.
        if isinstance(content, str) and not content.lower().startswith("error"):
            out["content"] = f"Error: {content}"
    return out


def _with_filenames(message: BaseMessage) -> BaseMessage:
    """Name unnamed standard ``file`` blocks (both APIs want a filename for file data)."""
    if isinstance(message.content, str):
        return message
    if not any(
        isinstance(b, dict) and b.get("type") == "file" and "base64" in b and not b.get("filename")
        for b in message.content
    ):
        return message
    content: list[Any] = []
    for block in message.content:
        if (
            isinstance(block, dict)
            and block.get("type") == "file"
            and "base64" in block
            and not block.get("filename")
        ):
            ext = str(block.get("mime_type") or "application/octet-stream").split("/")[-1]
            block = {**block, "filename": f"document.{ext}"}
        content.append(block)
    return message.model_copy(update={"content": content})


def reasoning_of(message: AIMessage) -> str:
    """The reasoning text an assistant message carries (v0 kwargs or v1/Anthropic blocks)."""
    kwarg = message.additional_kwargs.get("reasoning_content")
    if isinstance(kwarg, str) and kwarg:
        return kwarg
    if isinstance(message.content, str):
        return ""
    parts = []
    for block in message.content:
        if isinstance(block, dict) and block.get("type") in _REASONING_BLOCKS:
            text = block.get(_REASONING_BLOCKS[block["type"]])
            if isinstance(text, str):
                parts.append(text)
    return "".join(parts)


# -- events -> chunks -------------------------------------------------------------------


def chunk_for(event: StreamEvent) -> AIMessageChunk | None:
    """The ``AIMessageChunk`` for one delta event, or ``None`` for bookkeeping events.

    Text becomes content; reasoning goes to ``additional_kwargs["reasoning_content"]``
    (langchain-core turns it into a standard ``reasoning`` block for ``output_version``
    v1); tool-call fragments become ``tool_call_chunks``. Usage and finish are carried by
    the final chunk (:func:`last_chunk`).
    """
    kind = type(event)
    if kind is TextDelta:
        return AIMessageChunk(content=event.text)  # type: ignore[union-attr]
    if kind is ToolCallDelta:
        assert isinstance(event, ToolCallDelta)
        return AIMessageChunk(
            content="",
            tool_call_chunks=[
                tool_call_chunk(
                    name=event.name, args=event.arguments, id=event.id, index=event.index
                )
            ],
        )
    if kind is ReasoningDelta:
        return AIMessageChunk(content="", additional_kwargs={"reasoning_content": event.text})  # type: ignore[union-attr]
    if kind is RefusalDelta:
        return AIMessageChunk(content="", additional_kwargs={"refusal": event.text})  # type: ignore[union-attr]
    return None


def last_chunk(result: StreamResult, model: str) -> AIMessageChunk:
    """The one final chunk: usage, finish reason and response metadata."""
    return AIMessageChunk(
        content="",
        usage_metadata=usage_metadata(result.usage),
        response_metadata=response_metadata(result, model),
        chunk_position="last",
    )


def usage_metadata(usage: Usage | None) -> UsageMetadata | None:
    """LangChain's usage dict from the core's ``Usage``."""
    if usage is None:
        return None
    # Built as a plain dict: the detail keys are optional (NotRequired) in every
    # langchain-core 1.x, but a type checker that cannot see NotRequired (langchain-core
    # 1.8 imports it from ``typing``, new in Python 3.11) would demand them.
    out: dict[str, Any] = {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_tokens is not None:
        out["input_token_details"] = {"cache_read": usage.cached_tokens}
    if usage.reasoning_tokens is not None:
        out["output_token_details"] = {"reasoning": usage.reasoning_tokens}
    return cast("UsageMetadata", out)


def response_metadata(result: StreamResult, model: str) -> dict[str, Any]:
    """``response_metadata`` for the final chunk or message."""
    meta: dict[str, Any] = {
        "finish_reason": result.finish_reason,
        "model_name": result.model or model,
        "model_provider": PROVIDER,
    }
    if result.response_id:
        meta["id"] = result.response_id
    if result.raw_finish_reason and result.raw_finish_reason != result.finish_reason:
        meta["raw_finish_reason"] = result.raw_finish_reason
    for name in TRANSPORT_FIELDS:  # request_id, cache_status, native route... when stated
        value = getattr(result, name)
        if value is not None:
            meta[name] = value
    if result.api:
        meta["api"] = result.api
    return meta


def result_to_message(result: StreamResult, model: str) -> AIMessage:
    """A whole (or partial) core result as an ``AIMessage``."""
    additional: dict[str, Any] = {}
    if result.reasoning:
        additional["reasoning_content"] = result.reasoning
    if result.refusal:
        additional["refusal"] = result.refusal
    tool_calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in result.tool_calls:
        if call.args is not None:
            tool_calls.append(
                ToolCall(name=call.name or "", args=call.args, id=call.id, type="tool_call")
            )
        else:
            invalid.append(
                invalid_tool_call(name=call.name, args=call.arguments, id=call.id, error=call.error)
            )
    return AIMessage(
        content=result.text,
        additional_kwargs=additional,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage_metadata(result.usage),
        response_metadata=response_metadata(result, model),
        id=result.response_id,
    )
