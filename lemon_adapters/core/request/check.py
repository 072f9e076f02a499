"""The neutral call checked once, before any body is built or any request sent (pure).

Every wire format's body builder (Responses, Chat Completions, Messages, and any added
later) reads the same neutral messages, tools and options, so their shapes are checked
here, in one place: :func:`check_request` runs in
:func:`~lemon_adapters.core.request.build.request_of`, which every call of the clients and
so of the adapters goes through. A builder may then assume what is checked here; it only
refuses what its own API cannot carry.

What is refused, with a :class:`~lemon_adapters.core.errors.ConfigurationError` naming
the position (``messages[2].content``) and what was expected:

* ``messages`` that is not a list of message mappings, a role that is not one of the
  neutral roles, content that is not text, a list of parts or ``None``, parts, tool calls
  and tool results of the wrong shape;
* text that cannot be sent as UTF-8 (a lone surrogate, as a broken decode leaves), in any
  string of the call, named by its field;
* values JSON cannot carry (a ``datetime``, a set, ``NaN``, a mapping that is not a
  dict), named by their position; in a tool, the tool is named;
* ``tools`` / ``tool_choice`` / options of the wrong type (``temperature="hot"``,
  ``stop=5``, ``extra_headers`` that are not text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.wire.nesting import MAX_DEPTH

ROLES = ("system", "developer", "user", "assistant", "tool")

#: Option names by the type they take (``None`` is always allowed: it is not sent).
_NUMBERS = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "deadline")
_INTEGERS = ("max_tokens", "top_k", "seed", "top_logprobs")
_BOOLEANS = ("logprobs", "parallel_tool_calls", "stream_usage", "background", "store", "resume")
_TEXTS = (
    "model",
    "reasoning_effort",
    "user",
    "instructions",
    "previous_response_id",
    "service_tier",
    "truncation",
)
_OBJECTS = ("thinking", "reasoning", "response_format", "cache_control", "metadata", "extra_body")


def check_request(call: Mapping[str, Any]) -> None:
    """Refuse a call whose messages, tools or options are not of the neutral shape.

    Raises:
        ConfigurationError: naming the position of the first value of the wrong shape.
    """
    check_messages(call.get("messages"))
    check_tools(call.get("tools"))
    check_tool_choice(call.get("tool_choice"))
    check_options(call)


# -- messages -----------------------------------------------------------------------------


def check_messages(messages: Any) -> None:
    """Refuse ``messages`` unless it is a list of neutral messages (see the module)."""
    if not _is_list(messages):
        raise ConfigurationError(
            "messages must be a list of messages like {'role': 'user', 'content': 'Hi'},"
            f" not {_kind(messages)}"
        )
    for i, message in enumerate(messages):
        _check_message(message, f"messages[{i}]")


def _check_message(message: Any, where: str) -> None:
    if not isinstance(message, Mapping):
        raise ConfigurationError(
            f"{where} must be a message mapping like {{'role': 'user', 'content': 'Hi'}},"
            f" not {_kind(message)}"
        )
    role = message.get("role")
    if role is None and isinstance(message.get("type"), str):
        _check_values(message, where)  # a Responses input item, sent as given
        return
    if not isinstance(role, str) or role not in ROLES:
        expected = ", ".join(repr(r) for r in ROLES)
        raise ConfigurationError(f"{where}.role must be one of {expected}, not {_kind(role)}")
    _check_content(message.get("content"), f"{where}.content")
    _optional(message, where, "name", str, "text")
    _optional(message, where, "cache_control", Mapping, "a mapping")
    if role == "assistant":
        _check_assistant(message, where)
    elif role == "tool":
        _optional(message, where, "tool_call_id", str, "text (the id of the call answered)")
        _optional(message, where, "is_error", bool, "True or False")
    _check_values(message, where)


def _check_content(content: Any, where: str) -> None:
    if content is None or isinstance(content, str):
        return
    if not _is_list(content):
        raise ConfigurationError(
            f"{where} must be text, a list of content parts or None, not {_kind(content)}"
        )
    for i, part in enumerate(content):
        _check_part(part, f"{where}[{i}]")


def _check_part(part: Any, where: str) -> None:
    if isinstance(part, str):
        return
    if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
        raise ConfigurationError(
            f"{where} must be a content part like {{'type': 'text', 'text': '...'}},"
            f" not {_kind(part)}"
        )
    kind = part["type"]
    if kind in ("text", "input_text", "output_text"):
        _required(part, where, "text", str, "text")
    elif kind == "image_url":
        image = part.get("image_url")
        if isinstance(image, Mapping):
            _required(image, f"{where}.image_url", "url", str, "text (a URL or data: URL)")
        elif not isinstance(image, str):
            raise ConfigurationError(
                f"{where}.image_url must be {{'url': ...}} or a URL, not {_kind(image)}"
            )
    elif kind == "file":
        _required(part, where, "file", Mapping, "a mapping with file_data or file_id")
    elif kind == "input_audio":
        audio = _required(part, where, "input_audio", Mapping, "{'data': ..., 'format': ...}")
        _required(audio, f"{where}.input_audio", "data", str, "base64 text")
        _required(audio, f"{where}.input_audio", "format", str, "text ('wav', 'mp3')")


def _check_assistant(message: Mapping[str, Any], where: str) -> None:
    _optional(message, where, "reasoning_content", str, "text")
    for key in ("thinking_blocks", "blocks", "gemini_parts"):
        blocks = _optional(message, where, key, list, "a list of content blocks")
        for i, block in enumerate(blocks or ()):
            if not isinstance(block, Mapping):
                raise ConfigurationError(f"{where}.{key}[{i}] must be a block, not {_kind(block)}")
    calls = message.get("tool_calls")
    if calls is None:
        return
    if not _is_list(calls):
        raise ConfigurationError(f"{where}.tool_calls must be a list, not {_kind(calls)}")
    for i, call in enumerate(calls):
        at = f"{where}.tool_calls[{i}]"
        if not isinstance(call, Mapping):
            raise ConfigurationError(
                f"{at} must be a tool call like {{'id': ..., 'type': 'function', 'function':"
                f" {{'name': ..., 'arguments': ...}}}}, not {_kind(call)}"
            )
        _optional(call, at, "id", str, "text")
        fn = call.get("function")
        if fn is not None:
            if not isinstance(fn, Mapping):
                raise ConfigurationError(f"{at}.function must be a mapping, not {_kind(fn)}")
            call, at = fn, f"{at}.function"
        _required(call, at, "name", str, "the tool's name")
        arguments = call.get("arguments")
        if arguments is not None and not isinstance(arguments, str | Mapping):
            raise ConfigurationError(
                f"{at}.arguments must be JSON text or a mapping, not {_kind(arguments)}"
            )


# -- tools, tool choice, options ----------------------------------------------------------


def check_tools(tools: Any) -> None:
    """Refuse ``tools`` unless it is a list of tool mappings whose values are JSON."""
    if tools is None:
        return
    if not _is_list(tools):
        raise ConfigurationError(f"tools must be a list of tool mappings, not {_kind(tools)}")
    for i, tool in enumerate(tools):
        if not isinstance(tool, Mapping):
            raise ConfigurationError(
                f"tools[{i}] must be a tool mapping like {{'type': 'function', 'function':"
                f" {{'name': ..., 'parameters': {{...}}}}}}, not {_kind(tool)}"
            )
        fn = tool.get("function")
        spec: Mapping[str, Any] = fn if isinstance(fn, Mapping) else tool
        name = spec.get("name")
        where = f"tools[{i}] (tool {name!r})" if isinstance(name, str) else f"tools[{i}]"
        if fn is not None and not isinstance(fn, Mapping):
            raise ConfigurationError(f"{where}.function must be a mapping, not {_kind(fn)}")
        _optional(tool, where, "type", str, "text")
        if tool.get("type", "function") == "function":
            at = f"{where}.function" if fn is not None else where
            _optional(spec, at, "name", str, "text")
            _optional(spec, at, "description", str, "text")
            _optional(spec, at, "parameters", Mapping, "a JSON schema (a mapping)")
            _optional(spec, at, "strict", bool, "True or False")
        _check_values(tool, where)


def check_tool_choice(choice: Any) -> None:
    """Refuse a ``tool_choice`` that is not a name, a mode, a boolean or a mapping."""
    if choice is None or isinstance(choice, str | bool):
        if isinstance(choice, str):
            _check_text(choice, "tool_choice")
        return
    if not isinstance(choice, Mapping):
        raise ConfigurationError(
            "tool_choice must be 'auto', 'none', 'required', a tool's name, True or a"
            f" mapping, not {_kind(choice)}"
        )
    _check_values(choice, "tool_choice")


def check_options(call: Mapping[str, Any]) -> None:
    """Refuse named options of the wrong type (``None`` means not set and passes)."""
    for key, value in call.items():
        if value is None:
            continue
        if key in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigurationError(f"{key} must be a number, not {_kind(value)}")
            if not math.isfinite(value):
                raise ConfigurationError(f"{key} must be a finite number, not {value!r}")
        elif key in _INTEGERS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigurationError(f"{key} must be an integer, not {_kind(value)}")
        elif key in _BOOLEANS:
            if not isinstance(value, bool):
                raise ConfigurationError(f"{key} must be True or False, not {_kind(value)}")
        elif key in _TEXTS:
            if not isinstance(value, str):
                raise ConfigurationError(f"{key} must be text, not {_kind(value)}")
            _check_text(value, key)
        elif key in _OBJECTS:
            if not isinstance(value, Mapping):
                raise ConfigurationError(f"{key} must be a mapping, not {_kind(value)}")
            _check_values(value, key)
        elif key in ("stop", "include"):
            _check_texts(key, value, single=key == "stop")
        elif key == "extra_headers":
            _check_headers(value)
        elif key == "timeout":
            _check_timeout(value)


def _check_texts(key: str, value: Any, *, single: bool) -> None:
    if single and isinstance(value, str):
        _check_text(value, key)
        return
    if not _is_list(value) or not all(isinstance(v, str) for v in value):
        expected = "text or a list of texts" if single else "a list of texts"
        raise ConfigurationError(f"{key} must be {expected}, not {_kind(value)}")
    for i, text in enumerate(value):
        _check_text(text, f"{key}[{i}]")


def _check_headers(headers: Any) -> None:
    if not isinstance(headers, Mapping):
        raise ConfigurationError(f"extra_headers must be a mapping, not {_kind(headers)}")
    for name, value in headers.items():
        # httpx encodes header names and values as ASCII.
        if not (isinstance(name, str) and name.isascii() and name):
            raise ConfigurationError(f"extra_headers: a header name must be ASCII text: {name!r}")
        if not (isinstance(value, str) and value.isascii()):
            raise ConfigurationError(
                f"extra_headers[{name!r}] must be ASCII text, not {_kind(value)}"
            )


def _check_timeout(value: Any) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value <= 0:
            raise ConfigurationError(f"timeout must be a positive number, not {value!r}")
        return
    import httpx  # the one non-number a timeout may be

    if not isinstance(value, httpx.Timeout):
        raise ConfigurationError(f"timeout must be seconds or an httpx.Timeout, not {_kind(value)}")


# -- JSON values ----------------------------------------------------------------------------


def _check_values(mapping: Mapping[str, Any], where: str) -> None:
    """Every value of ``mapping`` (the mapping itself may be any mapping: the builders
    copy it) must be JSON the request can carry: see :func:`check_json`."""
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise ConfigurationError(f"{where} has a key that is not text: {key!r}")
        _check_text(key, f"{where} key {key!r}")
        check_json(value, f"{where}.{key}")


def check_json(value: Any, where: str) -> None:
    """Refuse what JSON cannot carry, naming the position under ``where``.

    JSON here is what the request encoder writes: dicts (with text keys), lists, tuples,
    text, integers, finite floats, booleans and ``None``, nested at most
    :data:`~lemon_adapters.core.wire.nesting.MAX_DEPTH` levels (a circular reference nests
    forever); text must be valid Unicode (no lone surrogates).
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                _check_text(item, where + _path(path))
        elif isinstance(item, dict):
            if len(path) >= MAX_DEPTH:
                raise _too_deep(where, path)
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise ConfigurationError(
                        f"{where}{_path(path)} has a key that is not text: {key!r}"
                    )
                _check_text(key, f"{where}{_path(path)} key {key!r}")
                stack.append((inner, (*path, key)))
        elif isinstance(item, list | tuple):
            if len(path) >= MAX_DEPTH:
                raise _too_deep(where, path)
            stack.extend((inner, (*path, i)) for i, inner in enumerate(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ConfigurationError(
                    f"{where}{_path(path)} is {item!r}, which JSON cannot carry"
                )
        elif not (item is None or isinstance(item, int)):  # bool is an int
            raise ConfigurationError(
                f"{where}{_path(path)} is {_kind(item)}, which JSON cannot carry (expected"
                " text, a number, True/False, None, a list or a dict)"
            )


def _too_deep(where: str, path: tuple[Any, ...]) -> ConfigurationError:
    return ConfigurationError(
        f"{where}{_path(path[:3])}... nests more than {MAX_DEPTH} levels deep (a value that"
        " contains itself?)"
    )


def _path(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _check_text(text: str, where: str) -> None:
    """Refuse text that cannot be sent as UTF-8: a lone surrogate (``'\\ud83d'``)."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigurationError(
            f"{where} contains a lone surrogate {text[exc.start]!r} at index {exc.start}: not"
            " valid Unicode text, so it cannot be sent as UTF-8 (half of a surrogate pair, or"
            " bytes decoded with errors='surrogateescape')"
        ) from None


# -- small helpers --------------------------------------------------------------------------


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def _required(mapping: Mapping[str, Any], where: str, key: str, kind: Any, expected: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise ConfigurationError(f"{where}.{key} must be {expected}, not {_kind(value)}")
    return value


def _optional(mapping: Mapping[str, Any], where: str, key: str, kind: Any, expected: str) -> Any:
    value = mapping.get(key)
    if value is not None and not isinstance(value, kind):
        raise ConfigurationError(f"{where}.{key} must be {expected}, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    """``str 'hi'``, ``int 5``, ``None``: what was given, briefly."""
    if value is None:
        return "None"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{type(value).__name__} {shown}"
