"""Tool definitions and tool choices in their neutral form, read the same way by every
wire format's body builder (pure)."""

from __future__ import annotations

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
