"""The Anthropic Messages request body (``POST /v1/messages``) from the neutral request
(pure): system text, merged user/assistant turns, ``tool_use`` / ``tool_result`` blocks,
signed thinking blocks sent back verbatim, tools and ``tool_choice``, and the required
``max_tokens``. :func:`lemon_adapters.core.request.build.build_body` calls it for
``api="messages"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.call import MODEL_OPTIONS, Tool
from lemon_adapters.core.request.tools import arguments_object, function_spec, tool_choice_name

_Msg = Mapping[str, Any]

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


def messages_body(
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
    spec = function_spec(tool)
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
            name = tool_choice_name(choice)
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
                "input": arguments_object(
                    fn.get("arguments", tc.get("arguments")), name, "Messages"
                ),
            }
        )
    return _with_cache_control(message, blocks)


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
