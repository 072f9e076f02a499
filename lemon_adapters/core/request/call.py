"""What a call is: the neutral messages, tools and options, typed, and their checks.

The neutral input is OpenAI's Chat Completions message format (``system``/``developer``,
``user`` with text, image, file and audio parts, ``assistant`` with ``tool_calls`` and
``reasoning_content``, ``tool`` results) and JSON-schema function tools in either the Chat
shape (``{"type": "function", "function": {...}}``) or the Responses shape
(``{"type": "function", "name": ...}``). The TypedDicts below spell it out, so a type
checker checks the messages the adapters build; at run time any mapping of that shape is
accepted, and a Responses input item (a mapping with a ``type``) passes through as given.

A call is :class:`Call`: the model, the messages, the tools, named model parameters
(:class:`ModelOptions`) and named transport options (:class:`CallOptions`). The clients
take it as keyword arguments and refuse any other keyword (:func:`check_call`), so a
misspelled option is a ``TypeError`` instead of a field sent to the server; anything the
gateway accepts beyond the named parameters goes in ``extra_body``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast, get_args

from typing_extensions import NotRequired, TypedDict

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.events import ApiChoice

if TYPE_CHECKING:
    import httpx

# -- the neutral messages -----------------------------------------------------------------


class CacheControl(TypedDict, total=False):
    """A provider's prompt-cache marker on a message, part or tool (Anthropic's
    ``{"type": "ephemeral"}``), sent as given. Not LemonData's own response cache: that is
    the call's ``platform_cache`` option."""

    type: str
    ttl: str


class TextPart(TypedDict):
    """Text in a message."""

    type: Literal["text"]
    text: str
    cache_control: NotRequired[CacheControl]


class ImageURL(TypedDict):
    """An image by URL or ``data:`` URL; ``detail`` is ``low``, ``high`` or ``auto``."""

    url: str
    detail: NotRequired[str]


class ImagePart(TypedDict):
    """An image in a user message."""

    type: Literal["image_url"]
    image_url: ImageURL
    cache_control: NotRequired[CacheControl]


class FileData(TypedDict, total=False):
    """A file by ``data:`` URL (``file_data``, with a ``filename``) or by ``file_id``."""

    filename: str
    file_data: str
    file_id: str


class FilePart(TypedDict):
    """A file (a PDF...) in a user message."""

    type: Literal["file"]
    file: FileData


class InputAudio(TypedDict):
    """Base64 audio and its format (``wav``, ``mp3``)."""

    data: str
    format: str


class AudioPart(TypedDict):
    """Audio in a user message (Chat Completions only)."""

    type: Literal["input_audio"]
    input_audio: InputAudio


ContentPart = TextPart | ImagePart | FilePart | AudioPart


class FunctionCall(TypedDict):
    """A function name and its arguments (JSON text, or a mapping serialized for you)."""

    name: str
    arguments: str | Mapping[str, Any]


class ToolCallSpec(TypedDict):
    """A tool call an assistant message made, to send back with the conversation."""

    id: str | None
    type: Literal["function"]
    function: FunctionCall


class SystemMessage(TypedDict):
    """Instructions (``system`` or ``developer``)."""

    role: Literal["system", "developer"]
    content: str | list[TextPart]
    cache_control: NotRequired[CacheControl]


class UserMessage(TypedDict):
    """What the user says, with text, images, files or audio."""

    role: Literal["user"]
    content: str | list[ContentPart]
    cache_control: NotRequired[CacheControl]


class AssistantMessage(TypedDict):
    """An earlier answer: its text, tool calls and reasoning (passed back as
    ``reasoning_content`` on Chat Completions, as thinking models with tools require).

    For the Messages API: ``thinking_blocks`` are Anthropic ``thinking`` /
    ``redacted_thinking`` blocks, sent first in the turn exactly as given (signatures
    included: a thinking model with tools requires them back); ``blocks`` are the native
    content blocks of an earlier Messages answer (``StreamResult.blocks``), sent verbatim
    as the turn's content instead of rebuilding it from the other keys (server-tool blocks
    and signatures stay exact, as a ``pause_turn`` continuation needs).

    For the Gemini API: ``gemini_parts`` are the parts of an earlier Gemini answer
    (``StreamResult.blocks``), sent verbatim as the model turn's parts, every
    ``thoughtSignature`` on the part it came on (Gemini 3 requires them back on function
    calls); ``tool_calls`` still name the calls for their tool results.
    """

    role: Literal["assistant"]
    content: str | list[TextPart] | None
    tool_calls: NotRequired[list[ToolCallSpec]]
    reasoning_content: NotRequired[str]
    thinking_blocks: NotRequired[list[dict[str, Any]]]
    blocks: NotRequired[list[dict[str, Any]]]
    gemini_parts: NotRequired[list[dict[str, Any]]]


class ToolMessage(TypedDict):
    """A tool's result for the call ``tool_call_id``; ``is_error`` marks a failed call
    (sent as the Messages API's ``tool_result`` ``is_error``)."""

    role: Literal["tool"]
    tool_call_id: str | None
    content: str | list[ContentPart]
    is_error: NotRequired[bool]


Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage


class FunctionSpec(TypedDict):
    """A function the model may call: name, description and JSON-schema parameters."""

    name: str
    description: NotRequired[str]
    parameters: NotRequired[Mapping[str, Any]]
    strict: NotRequired[bool]


class FunctionTool(TypedDict):
    """A function tool in the Chat shape (the Responses shape is accepted as well)."""

    type: Literal["function"]
    function: FunctionSpec


#: A function tool in either API's shape, or a hosted tool (``web_search``...) as given.
Tool = Mapping[str, Any]
#: ``"auto"``, ``"none"``, ``"required"`` (also ``"any"`` or ``True``), a tool name, or a
#: dict in either API's shape.
ToolChoice = str | bool | Mapping[str, Any]

#: LemonData's platform (semantic response) cache, per request (docs: guides/caching):
#: ``no_cache`` skips it (neither read nor written), ``no_store`` reads but never stores
#: this answer, ``response_only`` uses exact-match answers only, ``semantic_only`` uses
#: semantically similar answers only. Not the providers' prompt caching (``cache_control``
#: markers on messages, parts and tools).
PlatformCache: TypeAlias = Literal["no_cache", "no_store", "response_only", "semantic_only"]
PLATFORM_CACHE_VALUES: tuple[str, ...] = get_args(PlatformCache)


def platform_cache_body(value: Any) -> dict[str, str]:
    """The body field LemonData documents for ``platform_cache``: ``{"type": value}``, sent
    as the request's top-level ``cache_control``.

    Raises:
        ConfigurationError: ``value`` is not one of :data:`PLATFORM_CACHE_VALUES`.
    """
    if value not in PLATFORM_CACHE_VALUES:
        close = difflib.get_close_matches(str(value), PLATFORM_CACHE_VALUES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        allowed = ", ".join(repr(v) for v in PLATFORM_CACHE_VALUES)
        raise ConfigurationError(f"platform_cache must be one of {allowed}, not {value!r}{hint}")
    return {"type": value}


# -- the call -------------------------------------------------------------------------------


class ModelOptions(TypedDict, total=False):
    """Model parameters, translated per API where the APIs differ; ``None`` is not sent.

    ``max_tokens`` is ``max_output_tokens`` on the Responses API, ``reasoning_effort`` its
    ``reasoning.effort``, a JSON-schema ``response_format`` its ``text.format``; ``stop``
    is sent on Chat Completions, as ``stop_sequences`` on Messages, and applied by the
    client on the Responses API, which has no such parameter (see
    :mod:`lemon_adapters.core.wire.stop`); ``stream_usage`` (default true) asks Chat Completions
    streams for usage. ``platform_cache`` (one of :data:`PLATFORM_CACHE_VALUES`) limits
    LemonData's own response cache for this request, sent as the body's top-level
    ``cache_control: {"type": ...}`` on every route (a misspelled value is refused before
    any request). ``top_k`` and ``thinking`` (``{"type": "enabled", "budget_tokens":
    2000}`` or ``{"type": "adaptive"}``) are the Messages API's. The rest are sent as
    named; the Messages API refuses the ones it has no field for (see
    :func:`lemon_adapters.core.request.build.build_body`).
    """

    temperature: float | None
    top_p: float | None
    top_k: int | None
    thinking: Mapping[str, Any] | None
    max_tokens: int | None
    stop: str | Sequence[str] | None
    seed: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    logprobs: bool | None
    top_logprobs: int | None
    reasoning_effort: str | None
    reasoning: Mapping[str, Any] | None
    response_format: Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    stream_usage: bool | None
    cache_control: CacheControl | Mapping[str, Any] | None
    platform_cache: PlatformCache | None
    background: bool | None
    store: bool | None
    metadata: Mapping[str, str] | None
    user: str | None
    instructions: str | None
    previous_response_id: str | None
    service_tier: str | None
    include: Sequence[str] | None
    truncation: str | None


class CallOptions(ModelOptions, total=False):
    """Everything a call takes besides the model and messages.

    Attributes:
        api: ``"responses"``, ``"chat"``, ``"messages"``, ``"gemini"`` or ``"auto"``.
        tools, tool_choice: what the model may call, and whether it must.
        timeout: seconds or an ``httpx.Timeout`` for this call (``read`` is the idle time).
        deadline: seconds for the whole call, retries included.
        resume: with ``background=True``, re-attach to a dropped background response.
        extra_headers: more request headers.
        extra_body: more body fields, merged last (for parameters not named here).
    """

    api: ApiChoice
    tools: Sequence[Tool] | None
    tool_choice: ToolChoice | None
    timeout: float | httpx.Timeout | None
    deadline: float | None
    resume: bool
    extra_headers: Mapping[str, str] | None
    extra_body: Mapping[str, Any] | None


class Call(CallOptions):
    """One call's keyword arguments: ``model`` and ``messages`` plus any :class:`CallOptions`."""

    model: str
    messages: Sequence[Message]


#: The model parameters :class:`ModelOptions` names, and every keyword a call takes.
MODEL_OPTIONS = frozenset(ModelOptions.__required_keys__ | ModelOptions.__optional_keys__)
CALL_KEYS = frozenset(Call.__required_keys__ | Call.__optional_keys__)


def check_call(method: str, call: Mapping[str, Any]) -> None:
    """Refuse keyword arguments that are not part of :class:`Call`, as Python would.

    Raises:
        TypeError: an unknown keyword (with the closest known one, if any), or a missing
            ``model`` / ``messages``.
    """
    check_keywords(method, call, CALL_KEYS, ("model", "messages"), extra_body=True)


#: How close a misspelling must be to a known name to be called a near miss (difflib's
#: ratio): one cut-off for every refuser in the package, the core's methods and both
#: adapters' constructors (LangChain moves an unknown name that is no near miss into
#: ``model_kwargs``, so the cut-off also decides between refusing and passing on there).
NEAR_MISS = 0.8


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is a near miss of, if any."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=NEAR_MISS)
    return close[0] if close else None


def unknown_keyword(
    owner: str,
    name: str,
    known: Iterable[str],
    *,
    elsewhere: str = "",
    error: type[Exception] = TypeError,
) -> Exception:
    """The error for a keyword ``owner`` does not take, as Python words it, naming the near
    miss or else where such values go.

    Args:
        owner: the method or class, for the message.
        name: the keyword given.
        known: every keyword ``owner`` takes.
        elsewhere: where values without a keyword of their own go (``extra_body={...}``).
        error: the exception class (``ValueError`` inside a pydantic validator).
    """
    close = near_miss(name, known)
    hint = f"; did you mean {close!r}?" if close else (f"; {elsewhere}" if elsewhere else "")
    return error(f"{owner}() got an unexpected keyword argument {name!r}{hint}")


def check_keywords(
    method: str,
    given: Mapping[str, Any],
    known: frozenset[str],
    required: Sequence[str] = (),
    *,
    extra_body: bool = False,
) -> None:
    """Refuse keywords ``method`` does not take, naming the closest known one.

    Args:
        method: the method's name, for the message.
        given: the keywords passed.
        known: every keyword the method takes.
        required: the keywords it must get.
        extra_body: the method takes ``extra_body``: point unknown names to it.

    Raises:
        TypeError: an unknown or a missing keyword.
    """
    elsewhere = "model parameters that are not named go in extra_body={...}" if extra_body else ""
    for key in given:
        if key not in known:
            raise unknown_keyword(method, key, known, elsewhere=elsewhere)
    for key in required:
        if key not in given:
            raise TypeError(f"{method}() missing required keyword argument: {key!r}")


def adapter_call(
    *,
    model: str,
    messages: Sequence[Message],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None = None,
) -> Call:
    """A :class:`Call` from an adapter's merged parameters: what :class:`Call` names is
    passed as such, anything else is a model parameter the gateway may know and goes in
    ``extra_body`` (the frameworks' convention for provider keyword arguments); ``None``
    values are dropped.

    Args:
        model, messages: the call's model and neutral messages.
        params: the adapter's settings, then the call's keyword arguments, merged.
        extra_body: body fields to send as given (merged under ``params``' unknown keys).
    """
    call: dict[str, Any] = {}
    extra = dict(extra_body or {})
    for key, value in params.items():
        if value is None or key in ("model", "messages"):
            continue
        if key == "extra_body":
            extra.update(value)
        elif key in CALL_KEYS:
            call[key] = value
        else:
            extra[key] = value
    if extra:
        call["extra_body"] = extra
    call["model"] = model
    call["messages"] = messages
    return cast("Call", call)
