"""Tool definitions and tool choices in their neutral form, read the same way by every
wire format's body builder (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.events import Api
from lemon_adapters.core.request.call import Tool


def function_spec(tool: Tool) -> dict[str, Any] | None:
    """The ``{name, description, parameters, strict}`` of a function tool, else None."""
    if tool.get("type", "function") != "function":
        return None
    fn = tool.get("function")
    spec = dict(fn) if isinstance(fn, Mapping) else {k: v for k, v in tool.items() if k != "type"}
    if not spec.get("name"):
        raise ConfigurationError(f"a function tool needs a name: {tool!r}")
    return spec


def tool_choice_name(choice: Any) -> str | None:
    if isinstance(choice, Mapping):
        fn = choice.get("function")
        if isinstance(fn, Mapping):
            return str(fn.get("name"))
        if choice.get("name"):
            return str(choice["name"])
    return None


def normalize_tool_choice(choice: Any, api: Api) -> Any:
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str):
        name: str | None = choice
    else:
        name = tool_choice_name(choice)
        if name is None:
            return choice  # another documented shape (allowed_tools, hosted tools): as is
    if api == "responses":
        return {"type": "function", "name": name}
    return {"type": "function", "function": {"name": name}}


def arguments_object(arguments: Any, name: Any, api: str) -> dict[str, Any]:
    """A tool call's arguments as the JSON object a native route needs (Messages
    ``tool_use.input``, Gemini ``functionCall.args``); ``api`` names the route for the error.

    Raises:
        ConfigurationError: the arguments are not JSON, or not a JSON object.
    """
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        value = json.loads(arguments)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"the arguments of tool call {name!r} are not valid JSON, and the {api} API"
            f" needs them as an object: {str(arguments)[:200]!r}"
        ) from exc
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"the arguments of tool call {name!r} are not a JSON object: {arguments[:200]!r}"
        )
    return value
