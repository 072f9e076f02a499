"""The neutral request and its wire bodies (pure).

:class:`Request` is a checked :class:`~lemon_adapters.core.request.call.Call`; :func:`build_body`
writes the Responses or Chat Completions body from the neutral messages, tools and options
and hands the Anthropic Messages body to :mod:`.messages_body` (tool specs are read by
:mod:`.tools`). Nothing is rewritten by model name: a gateway serves hundreds of models,
so a parameter means the same for every model. The only translations are between the
APIs' documented shapes, listed in README's "Choosing the API".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.events import Api
from lemon_adapters.core.request.anthropic_messages import messages_body
from lemon_adapters.core.request.call import (
    MODEL_OPTIONS,
    Call,
    Message,
    Tool,
    ToolChoice,
    platform_cache_body,
)
from lemon_adapters.core.request.check import check_request
from lemon_adapters.core.request.gemini import gemini_body
from lemon_adapters.core.request.tools import function_spec, normalize_tool_choice


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
    def replays_native_blocks(self) -> bool:
        """An earlier answer in the conversation holds signed thinking blocks (a Messages
        API answer): only the Messages route can send them back."""
        return self.native_route == "messages"

    @property
    def native_route(self) -> Api | None:
        """The native route an earlier answer's signed blocks must go back to, if any:
        ``"gemini"`` for Gemini parts with a ``thoughtSignature`` (``gemini_parts``),
        ``"messages"`` for Anthropic signed thinking blocks. ``api="auto"`` goes there
        directly: no other route can send them back."""
        messages: Sequence[Mapping[str, Any]] = self.messages
        for message in messages:
            if message.get("role") != "assistant":
                continue
            parts = message.get("gemini_parts") or ()
            if any(isinstance(p, Mapping) and p.get("thoughtSignature") for p in parts):
                return "gemini"
            blocks: list[Any] = [
                *(message.get("thinking_blocks") or ()),
                *(message.get("blocks") or ()),
            ]
            if any(
                isinstance(b, Mapping)
                and (b.get("type") == "redacted_thinking" or b.get("signature"))
                for b in blocks
            ):
                return "messages"
        return None

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
            # Applied client-side: the Responses API has none. Chat Completions and Messages
            # (as ``stop_sequences``) send it, so their server stops and nothing is cut here.
            params.pop("stop", None)
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


def request_of(call: Call) -> Request:
    """The :class:`Request` for a call whose keywords are checked: its messages, tools and
    options are checked here (:func:`~.check.check_request`), once for every API.

    Raises:
        ConfigurationError: no model, or a value of the wrong shape, by its position.
    """
    check_request(call)
    if not call["model"]:
        raise ConfigurationError("model is required (for example model='gpt-4o-mini')")
    return Request(
        model=call["model"],
        messages=call["messages"],
        tools=call.get("tools"),
        tool_choice=call.get("tool_choice"),
        options={k: v for k, v in call.items() if k in MODEL_OPTIONS and v is not None},
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
    True), ``cache_control``, ``platform_cache`` (LemonData's response cache, validated and
    sent as ``cache_control: {"type": ...}``). ``None`` values are dropped. Everything else
    is copied,
    except on the Messages API, which refuses the named options it has no field for
    (``seed``, ``response_format``...) with a :class:`ConfigurationError` rather than
    send them, and leaves ``reasoning_effort`` / ``reasoning`` out (its ``thinking``
    takes a token budget, not an effort).

    Raises:
        ConfigurationError: no model, an unknown ``api``, an option the API has no field
            for, or a message the API cannot carry.
    """
    if not model:
        raise ConfigurationError("model is required (for example model='gpt-4o-mini')")
    opts = {k: v for k, v in (params or {}).items() if v is not None}
    if "platform_cache" in opts:
        platform = platform_cache_body(opts.pop("platform_cache"))
        if "cache_control" in opts:
            raise ConfigurationError(
                "platform_cache and cache_control both set the body's cache_control: pass "
                "one (platform_cache for LemonData's response cache)"
            )
        opts["cache_control"] = platform
    if api == "responses":
        return _responses_body(model, messages, tools, tool_choice, stream, opts)
    if api == "chat":
        return _chat_body(model, messages, tools, tool_choice, stream, opts)
    if api == "messages":
        return messages_body(model, messages, tools, tool_choice, stream, opts)
    if api == "gemini":
        return gemini_body(messages, tools, tool_choice, opts)  # model and stream: the URL
    raise ConfigurationError(
        f"api must be 'responses', 'chat', 'messages' or 'gemini', not {api!r}"
    )


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
        body["tool_choice"] = normalize_tool_choice(tool_choice, "chat")
    body.update(opts)
    body["stream"] = stream
    if stream and stream_usage and "stream_options" not in body:
        body["stream_options"] = {"include_usage": True}
    return body


def _chat_tool(tool: Tool) -> dict[str, Any]:
    spec = function_spec(tool)
    if spec is None:
        return dict(tool)
    return {"type": "function", "function": spec}


#: Neutral keys only the Messages API reads; the other bodies leave them out.
_MESSAGES_ONLY = ("thinking_blocks", "blocks", "is_error")


def _chat_message(message: _Msg) -> dict[str, Any]:
    msg = {k: v for k, v in message.items() if k not in _MESSAGES_ONLY}
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
            "the Responses API has no 'stop' parameter (the clients apply stop sequences"
            " themselves: Request.body leaves it out)"
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
        body["tool_choice"] = normalize_tool_choice(tool_choice, "responses")
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
    spec = function_spec(tool)
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
