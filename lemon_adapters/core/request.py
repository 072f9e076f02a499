"""The neutral request and its wire bodies (pure).

:class:`Request` is a checked :class:`~lemon_adapters.core.call.Call`; :func:`build_body`
writes the Responses, Chat Completions or Anthropic Messages body from the neutral
messages, tools and options. Nothing is rewritten by model name: a gateway serves hundreds
of models, so a parameter means the same for every model. The only translations are
between the APIs' documented shapes, listed in README's "Choosing the API".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .call import MODEL_OPTIONS, Call, Message, Tool, ToolChoice
from .errors import ConfigurationError
from .events import Api


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
        API answer): only the Messages route can send them back, so ``api="auto"`` goes
        there directly."""
        messages: Sequence[Mapping[str, Any]] = self.messages
        for message in messages:
            if message.get("role") != "assistant":
                continue
            blocks: list[Any] = [
                *(message.get("thinking_blocks") or ()),
                *(message.get("blocks") or ()),
            ]
            if any(
                isinstance(b, Mapping)
                and (b.get("type") == "redacted_thinking" or b.get("signature"))
                for b in blocks
            ):
                return True
        return False

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
    """The :class:`Request` for a checked call."""
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
    True), ``cache_control``. ``None`` values are dropped. Everything else is copied,
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
    if api == "responses":
        return _responses_body(model, messages, tools, tool_choice, stream, opts)
    if api == "chat":
        return _chat_body(model, messages, tools, tool_choice, stream, opts)
    if api == "messages":
        return _messages_body(model, messages, tools, tool_choice, stream, opts)
    raise ConfigurationError(f"api must be 'responses', 'chat' or 'messages', not {api!r}")


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


# -- Anthropic Messages ---------------------------------------------------------------------

#: ``max_tokens`` is required by the Messages API; sent when the call names none.
DEFAULT_MAX_TOKENS = 4096

#: The named options a Messages body carries: as named, translated, or dropped on purpose.
#: The other named options have no Messages field and are refused (see ``_messages_body``).
_MESSAGES_OPTIONS = frozenset(
    {
        # sent as named
        "temperature",
        "top_p",
        "top_k",
        "thinking",
        "metadata",
        "service_tier",
        "cache_control",
        # translated
        "max_tokens",
        "stop",
        "parallel_tool_calls",
        # left out
        "stream_usage",
        "reasoning_effort",
        "reasoning",
    }
)
#: What to send instead, for refused options that have a Messages counterpart.
_MESSAGES_INSTEAD = {
    "user": "send metadata={'user_id': ...} instead",
    "instructions": "send a system message instead",
}


def _messages_body(
    model: str,
    messages: Sequence[_Msg],
    tools: Sequence[Tool] | None,
    tool_choice: Any,
    stream: bool,
    opts: dict[str, Any],
) -> dict[str, Any]:
    refused = [k for k in opts if k in MODEL_OPTIONS and k not in _MESSAGES_OPTIONS]
    if refused:
        names = ", ".join(repr(k) for k in refused)
        hints = "".join(f"; {k}: {_MESSAGES_INSTEAD[k]}" for k in refused if k in _MESSAGES_INSTEAD)
        plural = "s" if len(refused) > 1 else ""
        raise ConfigurationError(
            f"the Messages API (api='messages') has no {names} parameter{plural}{hints}"
            " (leave it out; a field the gateway accepts beyond the named options goes in"
            " extra_body)"
        )
    opts.pop("stream_usage", None)  # Messages streams always report usage
    opts.pop("stream_options", None)
    # Effort is not a Messages parameter: ``thinking`` takes a token budget (or "adaptive")
    # and no effort-to-budget table is documented, so none is invented here. The other
    # builders pass through what they do not translate; this one leaves these two out.
    opts.pop("reasoning_effort", None)
    opts.pop("reasoning", None)
    system, turns = _messages_input(messages)
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": opts.pop("max_tokens", DEFAULT_MAX_TOKENS),
    }
    if system is not None:
        body["system"] = system
    body["messages"] = turns
    if tools:
        body["tools"] = [_messages_tool(t) for t in tools]
    choice = _messages_tool_choice(tool_choice)
    if opts.pop("parallel_tool_calls", None) is False:
        choice = dict(choice or {"type": "auto"})
        if choice.get("type") != "none":
            choice["disable_parallel_tool_use"] = True
    if choice is not None:
        body["tool_choice"] = choice
    stop = opts.pop("stop", None)
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    body.update(opts)
    body["stream"] = stream
    return body


def _messages_tool(tool: Tool) -> dict[str, Any]:
    if "input_schema" in tool:
        return dict(tool)  # already in the Messages shape
    spec = _function_spec(tool)
    if spec is None:
        return dict(tool)  # server tools (web_search_20250305, code_execution...) as given
    out: dict[str, Any] = {"name": spec["name"]}
    if spec.get("description") is not None:
        out["description"] = spec["description"]
    # Only what a Messages tool definition has: ``strict`` (an OpenAI flag) is not sent.
    out["input_schema"] = spec.get("parameters") or {"type": "object", "properties": {}}
    cache_control = tool.get("cache_control") or spec.get("cache_control")
    if cache_control:  # LemonData's prompt-cache marker: Messages tools take it as is
        out["cache_control"] = cache_control
    return out


def _messages_tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if choice is True or choice in ("required", "any"):
        return {"type": "any"}
    if choice is False or choice == "none":
        return {"type": "none"}
    if choice == "auto":
        return {"type": "auto"}
    if isinstance(choice, str):
        return {"type": "tool", "name": choice}
    if isinstance(choice, Mapping):
        if choice.get("type") == "function" or "function" in choice:
            name = _tool_choice_name(choice)
            if name:
                return {"type": "tool", "name": name}
        return dict(choice)  # already in the Messages shape ({"type": "tool", ...})
    raise ConfigurationError(f"unsupported tool_choice for the Messages API: {choice!r}")


def _messages_input(
    messages: Sequence[_Msg],
) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Leading system/developer messages become ``system``; the rest become alternating
    user and assistant turns (consecutive same-role messages merged, tool results in a
    user turn)."""
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            if turns:
                raise ConfigurationError(
                    "the Messages API takes system text only before the conversation: a"
                    f" {role} message follows other messages"
                )
            system.extend(_messages_blocks(message, message.get("content")))
            continue
        if role == "user":
            content: str | list[dict[str, Any]] = _messages_user(message)
        elif role == "assistant":
            content = _messages_assistant(message)
            if not content:
                continue  # an empty answer says nothing (and empty text is refused)
        elif role == "tool":
            content = [_messages_tool_result(message)]
            role = "user"
        else:
            raise ConfigurationError(f"unsupported message role {role!r} in {dict(message)!r}")
        _add_turn(turns, role, content)
    if not system:
        return None, turns
    if any("cache_control" in block for block in system):
        return system, turns  # a cache marker must stay on its block
    return "\n\n".join(str(block.get("text", "")) for block in system), turns


def _add_turn(turns: list[dict[str, Any]], role: str, content: str | list[dict[str, Any]]) -> None:
    """Append a turn, merging it into the previous one of the same role (the API requires
    user and assistant turns to alternate)."""
    if turns and turns[-1]["role"] == role:
        last = turns[-1]
        if isinstance(last["content"], str):
            last["content"] = [{"type": "text", "text": last["content"]}]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        last["content"].extend(content)
    else:
        turns.append({"role": role, "content": content})


def _messages_user(message: _Msg) -> str | list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str) and "cache_control" not in message:
        return content
    return _messages_blocks(message, content)


def _messages_blocks(message: _Msg, content: Any) -> list[dict[str, Any]]:
    """Content parts as Messages blocks; a message-level cache marker goes on the last."""
    if content is None or isinstance(content, str):
        blocks = [{"type": "text", "text": content or ""}]
    else:
        blocks = [_messages_part(p) for p in content]
    return _with_cache_control(message, blocks)


def _with_cache_control(message: _Msg, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cache_control = message.get("cache_control")
    if cache_control and blocks and "cache_control" not in blocks[-1]:
        blocks[-1] = {**blocks[-1], "cache_control": cache_control}  # never the caller's dict
    return blocks


def _messages_assistant(message: _Msg) -> str | list[dict[str, Any]]:
    if message.get("blocks") is not None:
        # The native blocks of an earlier Messages answer: sent back exactly.
        return list(message["blocks"])
    content = message.get("content")
    thinking = message.get("thinking_blocks") or ()
    tool_calls = message.get("tool_calls") or ()
    if isinstance(content, str) and not (thinking or tool_calls or "cache_control" in message):
        return content
    # Signed thinking comes first in its turn, as given. ``reasoning_content`` (reasoning
    # text without a signature) cannot be sent back on Messages and is left out.
    blocks: list[dict[str, Any]] = list(thinking)
    if isinstance(content, str):
        if content:
            blocks.append({"type": "text", "text": content})
    elif content:
        blocks += [
            b for b in map(_messages_part, content) if b.get("type") != "text" or b.get("text")
        ]
    for tc in tool_calls:
        fn = tc.get("function") or {}
        name = fn.get("name", tc.get("name"))
        blocks.append(
            {
                "type": "tool_use",
                "id": tc.get("id"),
                "name": name,
                "input": _tool_input(fn.get("arguments", tc.get("arguments")), name),
            }
        )
    return _with_cache_control(message, blocks)


def _tool_input(arguments: Any, name: Any) -> dict[str, Any]:
    """A tool call's arguments as the JSON object ``tool_use.input`` must be."""
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        value = json.loads(arguments)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"the arguments of tool call {name!r} are not valid JSON, and the Messages API"
            f" needs them as an object: {str(arguments)[:200]!r}"
        ) from exc
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"the arguments of tool call {name!r} are not a JSON object: {arguments[:200]!r}"
        )
    return value


def _messages_tool_result(message: _Msg) -> dict[str, Any]:
    result: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
    content = message.get("content")
    if isinstance(content, str):
        if content:
            result["content"] = content
    elif content:
        result["content"] = [_messages_part(p) for p in content]
    if message.get("is_error"):
        result["is_error"] = True
    return _with_cache_control(message, [result])[0]


def _messages_part(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        out: dict[str, Any] = {"type": "image", "source": _image_source(str(url))}
    elif kind == "file":
        out = _messages_file(part.get("file") or {})
    elif kind == "input_audio":
        raise ConfigurationError("the Messages API takes no audio input (input_audio part)")
    else:
        return dict(part)  # text (with its cache marker), or already a Messages block
    if "cache_control" in part:
        out["cache_control"] = part["cache_control"]
    return out


def _image_source(url: str) -> dict[str, Any]:
    if url.startswith("data:"):
        media_type, data = _data_url(url)
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": url}


def _messages_file(file: Mapping[str, Any]) -> dict[str, Any]:
    data_url = file.get("file_data")
    if not data_url:
        raise ConfigurationError(
            "the Messages API takes a file as file_data (a base64 data: URL); a file_id"
            f" is not one of its sources: {dict(file)!r:.200}"
        )
    media_type, data = _data_url(str(data_url))
    source = {"type": "base64", "media_type": media_type, "data": data}
    if media_type == "application/pdf":
        return {"type": "document", "source": source}
    if media_type.startswith("image/"):
        return {"type": "image", "source": source}
    raise ConfigurationError(
        f"the Messages API takes PDF and image files, not {media_type!r}"
        f" ({file.get('filename') or 'a file part'})"
    )


def _data_url(url: str) -> tuple[str, str]:
    """``(media type, base64 data)`` of a ``data:<type>[;...];base64,<data>`` URL."""
    head, comma, data = url.partition(",")
    if not comma or not head.endswith(";base64") or not head[5:].split(";")[0]:
        raise ConfigurationError(
            f"expected a base64 data: URL (data:<media type>;base64,...): {url[:60]!r}"
        )
    return head[5:].split(";")[0], data
