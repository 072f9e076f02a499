"""The neutral request and its two wire bodies (pure).

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

Nothing is rewritten by model name: a gateway serves hundreds of models, so a parameter
means the same for every model. The only translations are between the two APIs'
documented shapes, listed in README's "Choosing the API".
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from typing_extensions import NotRequired, TypedDict

from .errors import ConfigurationError
from .events import Api, ApiChoice

if TYPE_CHECKING:
    import httpx

# -- the neutral messages -----------------------------------------------------------------


class CacheControl(TypedDict, total=False):
    """LemonData's prompt-cache marker, sent as given (``{"type": "ephemeral"}``)."""

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
    ``reasoning_content`` on Chat Completions, as thinking models with tools require)."""

    role: Literal["assistant"]
    content: str | list[TextPart] | None
    tool_calls: NotRequired[list[ToolCallSpec]]
    reasoning_content: NotRequired[str]


class ToolMessage(TypedDict):
    """A tool's result for the call ``tool_call_id``."""

    role: Literal["tool"]
    tool_call_id: str | None
    content: str | list[ContentPart]


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

# -- the call -------------------------------------------------------------------------------


class ModelOptions(TypedDict, total=False):
    """Model parameters, translated per API where the APIs differ; ``None`` is not sent.

    ``max_tokens`` is ``max_output_tokens`` on the Responses API, ``reasoning_effort`` its
    ``reasoning.effort``, a JSON-schema ``response_format`` its ``text.format``; ``stop``
    is sent on Chat Completions and applied by the client on the Responses API, which has
    no such parameter (see :mod:`lemon_adapters.core.stop`); ``stream_usage`` (default
    true) asks Chat Completions streams for usage. The rest are sent as named.
    """

    temperature: float | None
    top_p: float | None
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
        api: ``"responses"``, ``"chat"`` or ``"auto"``.
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


_MODEL_OPTIONS = frozenset(ModelOptions.__required_keys__ | ModelOptions.__optional_keys__)
_CALL_KEYS = frozenset(Call.__required_keys__ | Call.__optional_keys__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """A checked call, as the request lifecycle holds it.

    Attributes:
        model, messages, tools, tool_choice: as given.
        options: the model parameters that are set (``None`` values dropped).
        extra_body: body fields merged last.
    """

    model: str
    messages: Sequence[Message]
    tools: Sequence[Tool] | None = None
    tool_choice: ToolChoice | None = None
    options: dict[str, Any] = field(default_factory=dict)
    extra_body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stop(self) -> list[str]:
        """The stop sequences asked for (a single string counts as one)."""
        stop = self.options.get("stop")
        if not stop:
            return []
        return [stop] if isinstance(stop, str) else [str(s) for s in stop]

    def body(self, api: Api, *, stream: bool, fallback: bool = False) -> dict[str, Any]:
        """The JSON body for ``api``.

        Args:
            api: the wire format.
            stream: ask for an event stream.
            fallback: this body replaces a refused Responses request (``api="auto"``):
                Responses-only options are left out instead of refused.
        """
        params = dict(self.options)
        if api == "responses":
            params.pop("stop", None)  # applied client-side: the Responses API has none
        elif fallback:
            params.pop("background", None)
        body = build_body(
            api,
            model=self.model,
            messages=self.messages,
            tools=self.tools,
            tool_choice=self.tool_choice,
            stream=stream,
            params=params,
        )
        body.update(self.extra_body)
        return body


def check_call(method: str, call: Mapping[str, Any]) -> None:
    """Refuse keyword arguments that are not part of :class:`Call`, as Python would.

    Raises:
        TypeError: an unknown keyword (with the closest known one, if any), or a missing
            ``model`` / ``messages``.
    """
    for key in call:
        if key not in _CALL_KEYS:
            close = difflib.get_close_matches(key, sorted(_CALL_KEYS), n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else ("; model parameters that are not named go in extra_body={...}")
            )
            raise TypeError(f"{method}() got an unexpected keyword argument {key!r}{hint}")
    for key in ("model", "messages"):
        if key not in call:
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
        elif key in _CALL_KEYS:
            call[key] = value
        else:
            extra[key] = value
    if extra:
        call["extra_body"] = extra
    call["model"] = model
    call["messages"] = messages
    return cast("Call", call)


def request_of(call: Call) -> Request:
    """The :class:`Request` for a checked call."""
    if not call["model"]:
        raise ConfigurationError("model is required (for example model='gpt-4o-mini')")
    return Request(
        model=call["model"],
        messages=call["messages"],
        tools=call.get("tools"),
        tool_choice=call.get("tool_choice"),
        options={k: v for k, v in call.items() if k in _MODEL_OPTIONS and v is not None},
        extra_body=dict(call.get("extra_body") or {}),
    )


#: What the builders below read: any mapping in the shape of a :data:`Message`.
_Msg = Mapping[str, Any]


def build_body(
    api: Api,
    *,
    model: str,
    messages: Sequence[Message] | Sequence[Mapping[str, Any]],
    tools: Sequence[Tool] | None = None,
    tool_choice: Any = None,
    stream: bool = True,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body for ``api``. ``params`` holds options and pass-through fields.

    Recognized options (translated per API): ``max_tokens``, ``reasoning_effort``,
    ``reasoning``, ``response_format``, ``stop``, ``stream_usage`` (Chat only, default
    True), ``cache_control``. ``None`` values are dropped. Everything else is copied.
    """
    if not model:
        raise ConfigurationError("model is required (for example model='gpt-4o-mini')")
    opts = {k: v for k, v in (params or {}).items() if v is not None}
    if api == "responses":
        return _responses_body(model, messages, tools, tool_choice, stream, opts)
    if api == "chat":
        return _chat_body(model, messages, tools, tool_choice, stream, opts)
    raise ConfigurationError(f"api must be 'responses' or 'chat', not {api!r}")


# -- tools ------------------------------------------------------------------------------


def _function_spec(tool: Tool) -> dict[str, Any] | None:
    """The ``{name, description, parameters, strict}`` of a function tool, else None."""
    if tool.get("type", "function") != "function":
        return None
    fn = tool.get("function")
    spec = dict(fn) if isinstance(fn, Mapping) else {k: v for k, v in tool.items() if k != "type"}
    if not spec.get("name"):
        raise ConfigurationError(f"a function tool needs a name: {tool!r}")
    return spec


def _tool_choice_name(choice: Any) -> str | None:
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        if isinstance(fn, Mapping):
            return str(fn.get("name"))
        if choice.get("name"):
            return str(choice["name"])
    return None


def _normalize_tool_choice(choice: Any, api: Api) -> Any:
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str):
        name: str | None = choice
    else:
        name = _tool_choice_name(choice)
        if name is None:
            return choice  # another documented shape (allowed_tools, hosted tools): as is
    if api == "responses":
        return {"type": "function", "name": name}
    return {"type": "function", "function": {"name": name}}


# -- Chat Completions -------------------------------------------------------------------


def _chat_body(
    model: str,
    messages: Sequence[_Msg],
    tools: Sequence[Tool] | None,
    tool_choice: Any,
    stream: bool,
    opts: dict[str, Any],
) -> dict[str, Any]:
    stream_usage = opts.pop("stream_usage", True)
    reasoning = opts.pop("reasoning", None)
    if (
        isinstance(reasoning, Mapping)
        and "reasoning_effort" not in opts
        and reasoning.get("effort")
    ):
        opts["reasoning_effort"] = reasoning["effort"]
    body: dict[str, Any] = {"model": model, "messages": [_chat_message(m) for m in messages]}
    if tools:
        body["tools"] = [_chat_tool(t) for t in tools]
    if tool_choice is not None:
        body["tool_choice"] = _normalize_tool_choice(tool_choice, "chat")
    body.update(opts)
    body["stream"] = stream
    if stream and stream_usage and "stream_options" not in body:
        body["stream_options"] = {"include_usage": True}
    return body


def _chat_tool(tool: Tool) -> dict[str, Any]:
    spec = _function_spec(tool)
    if spec is None:
        return dict(tool)
    return {"type": "function", "function": spec}


def _chat_message(message: _Msg) -> dict[str, Any]:
    msg = dict(message)
    if msg.get("role") == "assistant" and msg.get("tool_calls"):
        msg["tool_calls"] = [
            {
                "id": tc.get("id"),
                "type": "function",
                "function": {
                    "name": (tc.get("function") or {}).get("name", tc.get("name")),
                    "arguments": _arguments_text(
                        (tc.get("function") or {}).get("arguments", tc.get("arguments"))
                    ),
                },
            }
            for tc in msg["tool_calls"]
        ]
    return msg


def _arguments_text(arguments: Any) -> str:
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments)


# -- Responses --------------------------------------------------------------------------


def _responses_body(
    model: str,
    messages: Sequence[_Msg],
    tools: Sequence[Tool] | None,
    tool_choice: Any,
    stream: bool,
    opts: dict[str, Any],
) -> dict[str, Any]:
    if "stop" in opts:
        raise ConfigurationError(
            "the Responses API has no 'stop' parameter; use api='chat' to stop on sequences"
        )
    opts.pop("stream_usage", None)  # the Responses API always reports usage
    opts.pop("stream_options", None)
    body: dict[str, Any] = {"model": model}
    # An explicit ``instructions`` option wins; the system messages then stay input items,
    # so no text the caller gave is dropped.
    instructions, items = _responses_input(messages, lift="instructions" not in opts)
    if instructions is not None:
        body["instructions"] = instructions
    body["input"] = items
    if tools:
        body["tools"] = [_responses_tool(t) for t in tools]
    if tool_choice is not None:
        body["tool_choice"] = _normalize_tool_choice(tool_choice, "responses")
    if "max_tokens" in opts:
        opts.setdefault("max_output_tokens", opts.pop("max_tokens"))
    effort = opts.pop("reasoning_effort", None)
    if effort is not None:
        reasoning = dict(opts.get("reasoning") or {})
        reasoning.setdefault("effort", effort)
        opts["reasoning"] = reasoning
    fmt = opts.pop("response_format", None)
    if fmt is not None:
        text = dict(opts.get("text") or {})
        text["format"] = _responses_format(fmt)
        opts["text"] = text
    body.update(opts)
    body["stream"] = stream
    return body


def _responses_tool(tool: Tool) -> dict[str, Any]:
    spec = _function_spec(tool)
    if spec is None:
        return dict(tool)  # hosted tools (web_search, file_search...) as given
    return {"type": "function", **spec}


def _responses_format(fmt: Any) -> Any:
    if not isinstance(fmt, Mapping):
        return fmt
    if fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), Mapping):
        return {"type": "json_schema", **fmt["json_schema"]}
    return dict(fmt)


def _responses_input(
    messages: Sequence[_Msg], *, lift: bool = True
) -> tuple[str | None, list[dict[str, Any]]]:
    """Leading system/developer text becomes ``instructions``; the rest become items."""
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    leading = lift
    for message in messages:
        role = message.get("role")
        if (
            leading
            and role in ("system", "developer")
            and isinstance(message.get("content"), str)
            and "cache_control" not in message  # a cache marker must stay on its message
        ):
            instructions.append(message["content"])
            continue
        leading = False
        items.extend(_responses_items(message))
    return ("\n\n".join(instructions) if instructions else None), items


def _responses_items(message: _Msg) -> list[dict[str, Any]]:
    role = message.get("role")
    content = message.get("content")
    if role == "tool":
        # Text results stay a string; results with images or files become the content
        # array the Responses API accepts for function_call_output (nothing is dropped).
        has_media = isinstance(content, list) and any(
            isinstance(p, Mapping) and p.get("type") not in ("text", "input_text", "output_text")
            for p in content
        )
        output: str | list[dict[str, Any]] = _text_of(content)
        if has_media and isinstance(content, list):
            output = [_responses_part(p) for p in content]
        return [
            {
                "type": "function_call_output",
                "call_id": message.get("tool_call_id"),
                "output": output,
            }
        ]
    if role == "assistant":
        out: list[dict[str, Any]] = []
        text = _text_of(content)
        if text:
            out.append({"role": "assistant", "content": text})
        for tc in message.get("tool_calls") or ():
            fn = tc.get("function") or {}
            out.append(
                {
                    "type": "function_call",
                    "call_id": tc.get("id"),
                    "name": fn.get("name", tc.get("name")),
                    "arguments": _arguments_text(fn.get("arguments", tc.get("arguments"))),
                }
            )
        return out
    if role in ("system", "developer", "user"):
        if isinstance(content, str) or content is None:
            item: dict[str, Any] = {"role": role, "content": content or ""}
        else:
            item = {"role": role, "content": [_responses_part(p) for p in content]}
        if "cache_control" in message:  # LemonData's prompt-cache marker travels as given
            item["cache_control"] = message["cache_control"]
        return [item]
    if message.get("type"):
        return [dict(message)]  # already a Responses input item
    raise ConfigurationError(f"unsupported message role {role!r} in {dict(message)!r}")


def _responses_part(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "input_text", "text": part}
    kind = part.get("type")
    # Keys beyond the ones translated (LemonData's cache_control above all) are kept.
    if kind == "text":
        extra = {k: v for k, v in part.items() if k not in ("type", "text")}
        return {"type": "input_text", "text": part.get("text", ""), **extra}
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        out: dict[str, Any] = {"type": "input_image", "image_url": url}
        detail = image.get("detail") if isinstance(image, Mapping) else None
        out["detail"] = detail or "auto"
        out.update((k, v) for k, v in part.items() if k not in ("type", "image_url"))
        return out
    if kind == "file":
        file = dict(part.get("file") or {})
        return {"type": "input_file", **file}
    return dict(part)  # input_text / input_image / input_file already


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif part.get("type") in ("text", "input_text", "output_text"):
            texts.append(part.get("text", ""))
    return "".join(texts)
