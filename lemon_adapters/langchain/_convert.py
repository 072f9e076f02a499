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
from langchain_core.messages.block_translators import register_translator
from langchain_core.messages.tool import invalid_tool_call, tool_call_chunk
from langchain_core.messages.utils import convert_to_openai_messages

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.events import (
    THINKING_BLOCKS,
    BlockDone,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from lemon_adapters.core.request.call import Message
from lemon_adapters.core.wire.accumulate import TRANSPORT_FIELDS, StreamResult

from ._blocks import (
    citation_annotation,
    server_tool_call_block,
    server_tool_result_block,
    with_server_tools,
)

PROVIDER = "lemondata"

# Assistant content parts that carry the model's reasoning in LangChain messages: the v1
# standard block ("reasoning") and Anthropic's native block ("thinking").
_REASONING_BLOCKS = {"reasoning": "reasoning", "thinking": "thinking"}


# -- LangChain messages -> neutral messages ---------------------------------------------


def to_neutral_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """LangChain messages as the core's neutral (Chat Completions shaped) messages.

    langchain-core's own converter writes the OpenAI shape the neutral messages are; its
    dicts are untyped, so they are taken as :data:`Message` here, at that one boundary
    (the core then checks their shape before any request).

    Raises:
        ConfigurationError: a message langchain-core's converter cannot write (a text
            block without text, tool-call arguments that are not JSON...), by position.
    """
    return [cast("Message", _converted(i, m)) for i, m in enumerate(messages)]


def _converted(position: int, message: BaseMessage) -> dict[str, Any]:
    try:
        return to_neutral_message(message)
    except (KeyError, TypeError, ValueError, NotImplementedError) as exc:
        raise ConfigurationError(
            f"messages[{position}] ({type(message).__name__}) cannot be sent:"
            f" {type(exc).__name__}: {exc}"
        ) from exc


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
        thinking = thinking_blocks_of(message)
        if thinking:
            out["thinking_blocks"] = thinking
        blocks = message.additional_kwargs.get("blocks")
        if isinstance(blocks, list) and blocks:
            out["blocks"] = blocks  # a Messages answer with server tools: sent back verbatim
        gemini = message.additional_kwargs.get("gemini_parts")
        if isinstance(gemini, list) and gemini:  # a Gemini answer's own parts: signatures
            out["gemini_parts"] = gemini  # go back on the parts they came on
    elif isinstance(message, ToolMessage) and message.status == "error":
        out["is_error"] = True  # the Messages API's flag on a tool result
        content = out.get("content")
        # Chat Completions and Responses have no error flag on tool results, so the
        # status travels in the text too, where the model reads it.
        if isinstance(content, str) and not content.lower().startswith("error"):
            out["content"] = f"Error: {content}"
    return out


def thinking_blocks_of(message: AIMessage) -> list[dict[str, Any]]:
    """The signed thinking blocks an assistant message carries, in the Messages API's own
    shape, to send back unchanged: from ``additional_kwargs["thinking_blocks"]`` (this
    adapter's output), from v1 ``reasoning`` blocks whose ``extras`` hold the signature,
    or from Anthropic-native ``thinking`` / ``redacted_thinking`` content blocks."""
    kept = message.additional_kwargs.get("thinking_blocks")
    if isinstance(kept, list) and kept:
        return [{k: v for k, v in b.items() if k != "index"} for b in kept if isinstance(b, dict)]
    if isinstance(message.content, str):
        return []
    blocks: list[dict[str, Any]] = []
    for block in message.content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        extras = block.get("extras")
        extras = extras if isinstance(extras, dict) else {}
        if kind == "thinking" and block.get("signature"):
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": block.get("thinking", ""),
                    "signature": block["signature"],
                }
            )
        elif kind == "redacted_thinking" and block.get("data"):
            blocks.append({"type": "redacted_thinking", "data": block["data"]})
        elif kind == "reasoning" and extras.get("signature"):
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": block.get("reasoning", ""),
                    "signature": extras["signature"],
                }
            )
        elif kind == "reasoning" and extras.get("data"):
            blocks.append({"type": "redacted_thinking", "data": extras["data"]})
    return blocks


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


def chunk_for(event: StreamEvent, model: str) -> AIMessageChunk | None:
    """The ``AIMessageChunk`` for one event, or ``None`` for bookkeeping events.

    Text becomes content; reasoning goes to ``additional_kwargs["reasoning_content"]``
    (a standard ``reasoning`` block with ``output_version="v1"``); tool-call fragments
    become ``tool_call_chunks``; a finished thinking block of the Messages API (its
    signature known) goes to ``additional_kwargs["thinking_blocks"]``, as the next turn
    must send it back. The first chunk names the provider and the model, so consumers
    know them from the start; usage and finish come with the final chunk
    (:func:`last_chunk`).
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
    if kind is ResponseStarted:
        assert isinstance(event, ResponseStarted)
        meta = {"model_provider": PROVIDER, "model_name": event.model or model}
        return AIMessageChunk(content="", response_metadata=meta)
    if kind is BlockDone:
        assert isinstance(event, BlockDone)
        if event.type not in THINKING_BLOCKS:
            return None
        return _tagged({"thinking_blocks": [event.block]})  # the block itself, for replay
    if kind is RefusalDelta:
        return AIMessageChunk(content="", additional_kwargs={"refusal": event.text})  # type: ignore[union-attr]
    if kind is ServerToolCall:
        assert isinstance(event, ServerToolCall)
        return _tagged({"server_tool_calls": [server_tool_call_block(event)]})
    if kind is ServerToolResult:
        assert isinstance(event, ServerToolResult)
        return _tagged({"server_tool_results": [server_tool_result_block(event)]})
    return None  # citations come whole with the last chunk (see last_chunk)


def _tagged(additional: dict[str, Any]) -> AIMessageChunk:
    # The provider on the chunk itself: output_version="v1" translates each chunk alone.
    return AIMessageChunk(
        content="", additional_kwargs=additional, response_metadata={"model_provider": PROVIDER}
    )


def content_blocks(message: AIMessage) -> list[Any]:
    """Standard content blocks of this adapter's messages (``output_version="v1"``,
    ``message.content_blocks``): langchain-core's own reading, with each signed thinking
    block as a ``reasoning`` block whose ``extras`` hold the signature, as langchain-core's
    Anthropic translator writes them (the text of a streamed block already came in the
    chunks before it, so a chunk's block adds only the signature)."""
    meta = {k: v for k, v in message.response_metadata.items() if k != "model_provider"}
    blocks = list(message.model_copy(update={"response_metadata": meta}).content_blocks)
    blocks = with_server_tools(message.additional_kwargs, blocks)
    thinking = message.additional_kwargs.get("thinking_blocks")
    if not isinstance(thinking, list) or not thinking:
        return blocks
    whole = "reasoning_content" in message.additional_kwargs
    reasoning: list[Any] = []
    for block in thinking:
        if block.get("type") == "redacted_thinking":
            extras = {"data": block.get("data")}
            reasoning.append({"type": "reasoning", "reasoning": "", "extras": extras})
        else:
            text = block.get("thinking", "") if whole else ""
            extras = {"signature": block.get("signature")}
            reasoning.append({"type": "reasoning", "reasoning": text, "extras": extras})
    return [*reasoning, *(b for b in blocks if b.get("type") != "reasoning")]


register_translator(PROVIDER, content_blocks, content_blocks)


def last_chunk(result: StreamResult, model: str) -> AIMessageChunk:
    """The one final chunk: usage, finish reason and response metadata (the model's name
    came with the first chunk: merged metadata concatenates repeated strings).

    A tool call the output limit cut mid-way (its JSON never completed) must not run with
    half its arguments, but langchain-core parses streamed arguments leniently, closing
    what is open. So the final chunk ends such a call's arguments with a closing mark that
    does not match (one or two characters), and the merged message lists it under
    ``invalid_tool_calls``, as the non-streamed message does, instead of ``tool_calls``.
    """
    meta = response_metadata(result, model)
    del meta["model_name"]
    cut = [
        tool_call_chunk(name=None, args=_unclosable(c.arguments), id=None, index=c.index)
        for c in result.tool_calls
        if c.args is None and result.finish_reason == "length"
    ]
    extra = _replay(result)
    return AIMessageChunk(
        content="",
        additional_kwargs=extra,
        tool_call_chunks=cut,
        usage_metadata=usage_metadata(result.usage),
        response_metadata=meta,
        chunk_position="last",
    )


def _replay(result: StreamResult) -> dict[str, Any]:
    """What the last chunk adds: the citations, all at once (their offsets are into the
    whole answer text; langchain-core's v3 stream keeps a text block's annotations from
    one delta), and for a Messages answer with server tools its own blocks, to be sent
    back verbatim (a ``pause_turn`` continuation must carry the calls and results)."""
    out: dict[str, Any] = {}
    if result.citations:
        out["citations"] = [citation_annotation(c) for c in result.citations]
    if result.api == "gemini":
        # A Gemini answer's every part (its thoughtSignatures on the parts they came on,
        # as Gemini 3 requires back on the next turn of a tool loop).
        if result.blocks:
            out["gemini_parts"] = list(result.blocks)
        return out
    server = ("server_tool_call", "server_tool_result")
    if any(b.type in server for b in result.finished_blocks):
        out["blocks"] = [b.block for b in result.finished_blocks]
    return out


def _unclosable(arguments: str) -> str:
    """A suffix after which ``arguments`` (truncated JSON) can no longer be completed: the
    open string is closed, then a bracket that does not match what is open follows."""
    stack: list[str] = []
    in_string = escaped = False
    for char in arguments:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack and stack[-1] == char:
            stack.pop()
    suffix = ""
    if in_string:
        suffix = '\\"' if escaped else '"'
    return suffix + ("]" if stack and stack[-1] == "}" else "}")


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
    details: dict[str, int] = {}
    if usage.cached_tokens is not None:
        details["cache_read"] = usage.cached_tokens
    if usage.cache_creation_tokens is not None:
        details["cache_creation"] = usage.cache_creation_tokens
    if details:
        out["input_token_details"] = details
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
    if result.refused:
        meta["refused"] = True  # what with_structured_output raises ModelRefusalError on
    usage = result.usage
    if usage is not None and usage.iterations:  # usage as billed, iteration by iteration
        meta["usage_iterations"] = [
            {"type": i.type, "model": i.model, **(usage_metadata(i.usage) or {})}
            for i in usage.iterations
        ]
    if usage is not None and usage.other_models:  # never in this model's usage_metadata
        meta["other_models_usage"] = {
            name: usage_metadata(other) for name, other in usage.other_models.items()
        }
    return meta


def result_to_message(result: StreamResult, model: str) -> AIMessage:
    """A whole (or partial) core result as an ``AIMessage``."""
    additional: dict[str, Any] = {}
    if result.reasoning:
        additional["reasoning_content"] = result.reasoning
    if result.api == "gemini":
        if result.blocks:  # every part, as the next turn sends it back
            additional["gemini_parts"] = list(result.blocks)
    else:
        thinking = [b.block for b in result.finished_blocks if b.type in THINKING_BLOCKS]
        if thinking:
            additional["thinking_blocks"] = thinking
    if result.refusal:
        additional["refusal"] = result.refusal
    if result.server_tool_calls:
        additional["server_tool_calls"] = [
            server_tool_call_block(c) for c in result.server_tool_calls
        ]
    if result.server_tool_results:
        additional["server_tool_results"] = [
            server_tool_result_block(r) for r in result.server_tool_results
        ]
    additional.update(_replay(result))
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
