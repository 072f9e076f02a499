"""LlamaIndex messages and tools <-> the core's neutral request and normalized events.

Outgoing: :func:`to_neutral_messages` turns ``ChatMessage`` blocks into the OpenAI-style
chat messages the core's request builder takes (it then writes either API's body).
Incoming: :class:`ChatStream` folds normalized events into the *cumulative* ``ChatResponse``
objects LlamaIndex consumers expect from a stream (agents read the message so far, query
engines read ``delta``). No wire format is seen here.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
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
from typing_extensions import assert_never

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
from lemon_adapters.core.wire.accumulate import TRANSPORT_FIELDS, StreamResult

from ..core.errors import ConfigurationError
from ..core.events import (
    BlockDone,
    Citation,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageReported,
)

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

logger = logging.getLogger("lemon_adapters")

#: Finished blocks an assistant turn must send back unchanged (signatures, opaque data).
THINKING_TYPES = ("thinking", "redacted_thinking")
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
    return [_neutral_message(m, cache_points) for m in messages]


def _neutral_message(message: ChatMessage, cache_points: bool = False) -> Message:
    role = _ROLES.get(message.role, str(message.role.value))
    parts: list[ContentPart] = []
    reasoning: list[str] = []
    thinking_blocks: list[dict[str, Any]] = []
    calls: list[ToolCallSpec] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append(TextPart(type="text", text=block.text))
        elif isinstance(block, ImageBlock):
            parts.append(_image_part(block))
        elif isinstance(block, ToolCallBlock):
            calls.append(_call_spec(block.tool_call_id, block.tool_name, block.tool_kwargs))
        elif isinstance(block, ThinkingBlock):
            if block.content:
                reasoning.append(block.content)
            native = _native_thinking(block)
            if native is not None:
                thinking_blocks.append(native)
        elif isinstance(block, DocumentBlock):
            parts.append(_document_part(block))
        elif isinstance(block, AudioBlock):
            data = block.resolve_audio(as_base64=True).read().decode("ascii")
            audio = InputAudio(data=data, format=block.format or "wav")
            parts.append(AudioPart(type="input_audio", input_audio=audio))
        elif isinstance(block, CitationBlock) and role == "assistant":
            continue  # a source the answer cited (its text is already in the answer)
        elif isinstance(block, CitableBlock | CitationBlock):
            parts.extend(
                TextPart(type="text", text=b.text)
                for b in block.nested_blocks
                if isinstance(b, TextBlock)
            )
        elif isinstance(block, CachePoint):
            if cache_points and parts:  # marks the block before it (Messages route only)
                parts[-1] = cast(
                    "ContentPart", {**parts[-1], "cache_control": _cache_control(block)}
                )
        elif isinstance(block, VideoBlock):
            raise ConfigurationError(
                "LemonData cannot send a VideoBlock: none of the routes this package speaks "
                "(Responses, Chat Completions, Messages) takes video input"
            )
        else:
            raise ConfigurationError(
                f"LemonData cannot send a {type(block).__name__} in a {role} message"
            )
    text = "".join(p["text"] for p in parts if p["type"] == "text")
    if role == "assistant":
        calls = calls or [
            _legacy_call(c) for c in message.additional_kwargs.get("tool_calls") or ()
        ]
        answer = AssistantMessage(role="assistant", content=text if text or not calls else None)
        if calls:
            answer["tool_calls"] = calls
        if reasoning:
            answer["reasoning_content"] = "".join(reasoning)
        if thinking_blocks:
            answer["thinking_blocks"] = thinking_blocks
        replay = message.additional_kwargs.get("blocks")
        if isinstance(replay, list) and replay:
            answer["blocks"] = replay  # a Messages answer with server tools, verbatim
        return answer
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


# -- incoming ---------------------------------------------------------------------------


def usage_dict(usage: Usage | None) -> dict[str, Any] | None:
    """Usage in the keys ``TokenCountingHandler`` and OpenAI-minded code read, with the
    prompt cache's reads (``cached_tokens``) and writes (``cache_creation_tokens``), and
    usage as billed: ``iterations`` and, by model, ``other_models`` (never summed in)."""
    if usage is None:
        return None
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "cache_creation_tokens": usage.cache_creation_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    if usage.iterations:
        out["iterations"] = [
            {"type": i.type, "model": i.model, **(usage_dict(i.usage) or {})}
            for i in usage.iterations
        ]
    if usage.other_models:
        out["other_models"] = {name: usage_dict(u) for name, u in usage.other_models.items()}
    return out


def _token_counts(usage: Usage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


class _Extras:
    """What an answer carries besides text, reasoning and client calls: its finished
    thinking blocks (typed), the server tools' calls and results, its citations."""

    __slots__ = ("blocks", "citations", "results", "server_calls")

    def __init__(self) -> None:
        self.blocks: list[BlockDone] = []
        self.server_calls: list[ServerToolCall] = []
        self.results: list[ServerToolResult] = []
        self.citations: list[Citation] = []

    @classmethod
    def of(cls, result: StreamResult) -> _Extras:
        extras = cls()
        extras.blocks = list(result.finished_blocks)
        extras.server_calls = list(result.server_tool_calls)
        extras.results = list(result.server_tool_results)
        extras.citations = list(result.citations)
        return extras

    @property
    def any(self) -> bool:
        """Anything besides thinking blocks (the per-token fast path has none)."""
        return bool(self.server_calls or self.results or self.citations)


def _message(
    text: str,
    reasoning: str,
    calls: list[list[Any]],
    reasoning_tokens: int | None = None,
    extras: _Extras | None = None,
    *,
    final: bool = False,
) -> ChatMessage:
    # Plain constructors on purpose: pydantic's Rust validation of these small models is
    # faster than ``model_construct``'s Python loop (about 8 us against 29 us a chunk).
    blocks: list[Any] = []
    thinking = [b for b in extras.blocks if b.type in THINKING_TYPES] if extras is not None else []
    if thinking:  # the Messages API's signed blocks, one ThinkingBlock each, for replay
        blocks.extend(_thinking_block(b, reasoning_tokens) for b in thinking)
    elif reasoning:
        blocks.append(ThinkingBlock(content=reasoning, num_tokens=reasoning_tokens))
    blocks.append(TextBlock(text=text))
    kwargs: dict[str, Any] = {}
    if extras is not None and extras.any:
        blocks.extend(_citation_block(c, text) for c in extras.citations)
        if extras.server_calls or extras.results:
            kwargs["built_in_tool_calls"] = built_in_tool_calls(extras)
    server = ("server_tool_call", "server_tool_result")
    if final and extras is not None and any(b.type in server for b in extras.blocks):
        kwargs["blocks"] = [b.block for b in extras.blocks]  # replayed verbatim
    if calls:
        blocks.extend(
            ToolCallBlock(tool_call_id=c[0], tool_name=c[1] or "", tool_kwargs=c[2]) for c in calls
        )
        kwargs["tool_calls"] = [
            {"id": c[0], "type": "function", "function": {"name": c[1] or "", "arguments": c[2]}}
            for c in calls
        ]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=kwargs)


def built_in_tool_calls(extras: _Extras) -> list[dict[str, Any]]:
    """The tools the provider ran, each with its result, where llama-index's
    ``OpenAIResponses`` keeps built-in calls (``additional_kwargs["built_in_tool_calls"]``)."""
    out: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for call in extras.server_calls:
        entry: dict[str, Any] = {
            "id": call.id,
            "type": call.provider_type,
            "name": call.name,
            "arguments": call.arguments,
            "server": call.server,
            "status": None,
            "output": None,
        }
        out.append(entry)
        if call.id:
            by_id[call.id] = entry
    for result in extras.results:
        found = by_id.get(result.call_id or "")
        if found is None:  # the result of an earlier turn's call (a paused turn resumed)
            found = {"id": result.call_id, "type": result.provider_type, "name": result.name}
            out.append(found)
        found.update(status=result.status, output=result.output, result_type=result.provider_type)
    return out


def _citation_block(citation: Citation, text: str) -> CitationBlock:
    """A source the answer cites, as LlamaIndex's ``CitationBlock``: the quoted source text
    (or, without one, the answer text it supports), its URL and title, and where the
    cited span is in the answer text (``start`` / ``end``) when the wire says."""
    location = {
        k: v for k, v in (("start", citation.start), ("end", citation.end)) if v is not None
    }
    cited = citation.cited_text
    if cited is None and citation.start is not None and citation.end is not None:
        cited = text[citation.start : citation.end]
    return CitationBlock(
        cited_content=TextBlock(text=cited or ""),
        source=citation.url or "",
        title=citation.title or "",
        additional_location_info=location,
    )


def _thinking_block(block: BlockDone, tokens: int | None) -> ThinkingBlock:
    """A finished thinking block as LlamaIndex's ``ThinkingBlock``: the signature (or a
    redacted block's opaque data) in ``additional_information``, as llama-index's own
    Anthropic integration keeps it. The text is the block's own (each block apart)."""
    if block.type == "redacted_thinking":
        info = {"type": "redacted_thinking", "data": block.data}
        return ThinkingBlock(content=None, additional_information=info)
    text = block.block.get("thinking")
    return ThinkingBlock(
        content=text if isinstance(text, str) else None,
        num_tokens=tokens,
        additional_information={"signature": block.signature},
    )


def raw_of(result: StreamResult) -> dict[str, Any]:
    """``ChatResponse.raw`` for a finished (or failed) result: identity, usage, finish, and
    what the response headers stated (request id, cache status, native route...)."""
    return {
        "id": result.response_id,
        "model": result.model,
        "usage": usage_dict(result.usage),
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "refused": result.refused,
        "refusal": result.refusal or None,
        **{name: getattr(result, name) for name in TRANSPORT_FIELDS},
    }


def response_from_result(result: StreamResult) -> ChatResponse:
    """A whole (non-streamed) result -> one ``ChatResponse``."""
    calls = [[c.id, c.name, c.arguments] for c in result.tool_calls]
    text = result.text + result.refusal
    reasoning_tokens = result.usage.reasoning_tokens if result.usage else None
    extras = _Extras.of(result)
    message = _message(text, result.reasoning, calls, reasoning_tokens, extras, final=True)
    raw = raw_of(result)
    return ChatResponse(
        message=message, raw=raw, delta=None, additional_kwargs=_token_counts(result.usage)
    )


class ChatStream:
    """Folds normalized events into cumulative ``ChatResponse`` chunks (pure state).

    :meth:`feed` returns the chunk to yield for an event, or ``None`` when the event adds
    nothing a consumer can see (start, usage). Text, reasoning and each call's argument
    string are kept as growing strings because every chunk must carry the whole message
    so far; that copy per chunk is the framework's contract, not a choice here. The last
    chunk is built from the finish event's result (its text accumulated once, by the core).
    """

    __slots__ = ("_calls", "_extras", "_reasoning", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._reasoning = ""
        self._calls: list[list[Any]] = []  # [id, name, arguments so far]
        self._extras = _Extras()

    def feed(self, event: StreamEvent) -> ChatResponse | None:
        """The chunk for ``event``, if it changes what a consumer sees."""
        match event:
            case TextDelta(text=text) | RefusalDelta(text=text):
                self._text += text
                return self._chunk(text)
            case ToolCallDelta():
                calls = self._calls
                while len(calls) <= event.index:
                    calls.append([None, None, ""])
                call = calls[event.index]
                if event.id is not None:
                    call[0] = event.id
                if event.name is not None:
                    call[1] = event.name
                call[2] += event.arguments
                return self._chunk("")
            case ReasoningDelta(text=text):
                self._reasoning += text
                return self._chunk("", thinking_delta=text)
            case Finish(result=result):
                assert result is not None  # the parser attaches it
                return self.final(result)
            case ServerToolCall():
                self._extras.server_calls.append(event)
                return self._chunk("")
            case ServerToolResult():
                self._extras.results.append(event)
                return self._chunk("")
            case Citation():
                self._extras.citations.append(event)
                return self._chunk("")
            case BlockDone():
                self._extras.blocks.append(event)  # thinking signatures reach the last chunk
            case ResponseStarted() | UsageReported():
                pass  # identity and usage reach the last chunk through the finish event
            case _:
                assert_never(event)
        return None

    @staticmethod
    def final(result: StreamResult) -> ChatResponse:
        """The last chunk: the whole message, plus usage and finish reason in ``raw``."""
        usage = result.usage
        tokens = usage.reasoning_tokens if usage else None
        calls = [[c.id, c.name, c.arguments] for c in result.tool_calls]
        extras = _Extras.of(result)
        text = result.text + result.refusal
        message = _message(text, result.reasoning, calls, tokens, extras, final=True)
        return ChatResponse(
            message=message,
            delta="",
            raw=raw_of(result),
            additional_kwargs=_token_counts(usage),
        )

    def _chunk(self, delta: str, thinking_delta: str | None = None) -> ChatResponse:
        if (
            thinking_delta is None
            and not self._calls
            and not self._reasoning
            and not self._extras.any
        ):
            # The per-token case, text alone: the same objects _message builds, built
            # directly (this runs once per token).
            message = ChatMessage(
                role=MessageRole.ASSISTANT,
                blocks=[TextBlock(text=self._text)],
                additional_kwargs={},
            )
            return ChatResponse(message=message, delta=delta, additional_kwargs={})
        extra = {"thinking_delta": thinking_delta} if thinking_delta is not None else {}
        return ChatResponse(
            message=_message(self._text, self._reasoning, self._calls, None, self._extras),
            delta=delta,
            additional_kwargs=extra,
        )


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
    if not isinstance(arguments, str):
        return True
    try:
        return isinstance(json.loads(arguments or "{}"), dict)
    except ValueError:
        return False


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
