"""Normalized stream events: the one vocabulary every wire format is mapped to.

Every event is a frozen, slotted, keyword-only dataclass with a literal ``kind`` so
consumers can ``match`` on it and finish with ``assert_never``. They are cheap to build:
one is made per streamed delta, so nothing here validates or copies.

Order guarantees (checked on every recording by ``tests/invariants.py``):
``ResponseStarted`` first, at most one ``UsageReported``, exactly one ``Finish`` and it is
last. A stream that fails (an in-stream error: the parser's ``failure``, raised by the
clients) has no ``Finish``; its usage, when the failing chunk reports one, still comes as
``UsageReported`` first.
``ToolCallDelta.index`` is 0-based in order of first appearance and stable for a
call; its ``id`` and ``name`` are set on the first delta of that call (or on the first
delta that knows them) and ``None`` afterwards. ``BlockDone`` (Messages API, Gemini parts)
comes after the deltas of the block it completes.

What a provider ran or cited besides the answer (every wire format maps to these, so an
adapter never needs to know which one it is reading):

* ``ServerToolCall`` then ``ServerToolResult``: a tool the provider ran itself (web search,
  code execution, MCP, tool search...). Each comes once, whole, when the wire has it whole
  (Messages: at the block's ``content_block_stop``; Responses: at ``output_item.done``;
  Gemini: an ``executableCode`` / ``codeExecutionResult`` part, or its grounding metadata
  as a ``google_search`` call). The result's ``call_id`` is the call's ``id``. They are
  never ``ToolCallDelta``: an agent must not run them.
* ``Citation``: a source the answer cites, after the text it cites, with ``start`` /
  ``end`` offsets into the whole answer text (``StreamResult.text``) where they are known
  (Messages: the cited text block; Responses and Chat: the annotation's indices shifted to
  the whole text; Gemini: a grounding support's segment).
* ``Finish.result``: everything accumulated, attached by the parser, so a consumer
  building its last chunk reads the finish event alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from .wire.accumulate import StreamResult

#: A wire format: the Responses API, Chat Completions, Anthropic Messages (LemonData's
#: native route for Claude models, ``/v1/messages``) or Gemini (its native route for Gemini
#: models, ``/v1beta/models/{model}:streamGenerateContent``).
Api: TypeAlias = Literal["responses", "chat", "messages", "gemini"]
#: What a caller may ask for: a wire format, or ``"auto"`` (Responses first, falling back
#: per model to Chat Completions when the gateway rejects the route, and to the native
#: route a Chat Completions answer names in ``X-LemonData-Native-Endpoint``).
ApiChoice: TypeAlias = Literal["responses", "chat", "messages", "gemini", "auto"]
FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter", "other"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseStarted:
    """The server accepted the request and named the response."""

    id: str | None
    model: str | None
    kind: Literal["response_started"] = "response_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDelta:
    """A piece of the answer text (choice 0 only)."""

    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningDelta:
    """A piece of the model's reasoning (raw reasoning text or its summary)."""

    text: str
    kind: Literal["reasoning"] = "reasoning"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusalDelta:
    """A piece of a refusal message (OpenAI's ``refusal`` channel)."""

    text: str
    kind: Literal["refusal"] = "refusal"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallDelta:
    """A piece of a function call: identity on its first delta, then argument fragments."""

    index: int
    id: str | None
    name: str | None
    arguments: str
    kind: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token counts, normalized across the APIs. Details are ``None`` when not reported.

    ``input_tokens`` counts every input token, whether read from or written to a prompt
    cache (the Messages API reports those apart; they are added in here, as the other APIs
    count them), ``cached_tokens`` those read from the cache, ``cache_creation_tokens``
    those written to it. ``invalid_counts`` names the counts the server sent with the wrong
    type or a negative value: they were dropped, never summed (see ``core.wire``).

    Usage as billed: when the wire breaks a response into iterations (Messages
    ``usage.iterations``: a compaction pass, an advisor model's turn), the totals are the
    sum over this model's iterations, ``iterations`` keeps each one in order, and
    ``other_models`` holds, by model name, the summed usage of iterations another model
    ran (never added into the totals here).
    """

    input_tokens: int
    output_tokens: int
    total_tokens: int
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_creation_tokens: int | None = None
    invalid_counts: tuple[str, ...] = ()
    iterations: tuple[UsageIteration, ...] = ()
    other_models: Mapping[str, Usage] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageIteration:
    """One sampling iteration a response billed (Messages ``usage.iterations``).

    A response may bill several: a compaction pass and the answer (both this model's: the
    ``Usage`` totals are their sum), or an ``advisor_message`` by another model (``model``
    names it; it is reported apart in ``Usage.other_models``, never summed into this
    model's counts). ``usage`` is the iteration's own counts, normalized as ``Usage`` is.
    """

    type: str
    model: str | None
    usage: Usage


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageReported:
    """Final token usage for the response (reported once, the final value)."""

    usage: Usage
    kind: Literal["usage"] = "usage"


@dataclass(frozen=True, slots=True, kw_only=True)
class Finish:
    """The response ended normally. ``raw_reason`` is what the wire said, if anything.

    ``result`` is everything the response produced, accumulated once by the parser, so a
    consumer building its last chunk reads it here and never reaches back into the stream.
    Mappers emit ``Finish`` without it; the parser hands it out with the result attached.
    """

    reason: FinishReason
    raw_reason: str | None
    result: StreamResult | None = None
    kind: Literal["finish"] = "finish"


#: What a finished block was: answer text, reasoning (``thinking``; ``redacted_thinking``
#: is reasoning the provider encrypted), a client tool call, a server tool's call or
#: result, or something this version does not model (``other``, kept for replay).
BlockType: TypeAlias = Literal[
    "text",
    "thinking",
    "redacted_thinking",
    "tool_call",
    "server_tool_call",
    "server_tool_result",
    "other",
]

#: The finished blocks that carry reasoning the next turn must send back unchanged (a
#: ``thinking`` block with its signature, a ``redacted_thinking`` block with its data).
THINKING_BLOCKS: frozenset[BlockType] = frozenset({"thinking", "redacted_thinking"})


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockDone:
    """A finished content block (Messages) or part (Gemini) the next request sends back.

    Its text, reasoning or tool-call arguments already came as deltas; what a consumer needs
    beyond them is typed here: ``signature`` (a ``thinking`` block's signature, or Gemini's
    ``thoughtSignature`` on whatever part it came on), ``data`` (a ``redacted_thinking``
    block's opaque payload), ``tool_call_index`` (the ``ToolCallDelta.index`` of the call
    this block finished). ``block`` is the block as the wire format's body builder replays
    it, opaque to adapters: they keep it and hand it back, never read it. The result keeps
    the blocks, in order, in ``blocks``. ``text_span`` is a text block's ``[start, end)`` in
    the answer text: its text is accumulated once, and the parser fills ``block["text"]``
    from there before handing the event out. ``thinking`` is a ``thinking`` block's own
    reasoning text (a turn may hold several, each signed apart).
    """

    index: int
    block: dict[str, Any]
    type: BlockType = "other"
    signature: str | None = None
    data: str | None = None
    tool_call_index: int | None = None
    text_span: tuple[int, int] | None = None
    thinking: str | None = None
    kind: Literal["block"] = "block"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerToolCall:
    """A tool the provider ran itself: web search, code execution, MCP, tool search, ...

    ``name`` is the tool's name as the provider calls it (``web_search``,
    ``code_execution``, ``google_search``; an MCP tool's own name, its server in
    ``server``), ``arguments`` its input as a JSON object (``{"query": ...}``,
    ``{"code": ...}``; the Responses ``web_search_call`` action without its sources),
    ``provider_type`` the wire's own type (``server_tool_use``, ``mcp_tool_use``,
    ``web_search_call``, ``executableCode``...). Comes once, whole.
    """

    id: str | None
    name: str
    arguments: dict[str, Any]
    provider_type: str
    server: str | None = None
    kind: Literal["server_tool_call"] = "server_tool_call"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerToolResult:
    """What a server tool returned.

    ``output`` is the result as the wire gave it (search results, code output, an MCP
    tool's content...), ``name`` the tool's name as on its ``ServerToolCall``, ``status``
    normalized: ``"success"``, ``"error"`` (the wire says it failed: an ``is_error`` flag,
    an ``*_error`` result, a ``failed`` item), or ``None`` where the wire says neither.
    """

    call_id: str | None
    name: str
    status: Literal["success", "error"] | None
    output: Any
    provider_type: str
    kind: Literal["server_tool_result"] = "server_tool_result"


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """A source the answer cites, attached to the answer text streamed so far.

    ``start`` / ``end`` are character offsets into the answer text where the wire gives
    them (Responses ``url_citation``, Gemini grounding supports), else ``None``;
    ``cited_text`` is the quoted source text where the wire gives it (Messages).
    ``provider_type`` is the wire's own citation type.
    """

    url: str | None
    title: str | None
    cited_text: str | None
    start: int | None
    end: int | None
    provider_type: str
    kind: Literal["citation"] = "citation"


StreamEvent: TypeAlias = (
    ResponseStarted
    | TextDelta
    | ReasoningDelta
    | RefusalDelta
    | ToolCallDelta
    | UsageReported
    | Finish
    | BlockDone
    | ServerToolCall
    | ServerToolResult
    | Citation
)
