"""A LemonData-shaped assistant that answers LangChain's standard tests, for recording.

It runs inside :class:`lemon_adapters.testing.server.DevServer` (real HTTP, both wire formats)
and decides only *what* to answer; the server renders it in the exact wire format. The
rules mirror what a capable model does with the standard tests' prompts: call the tool the
prompt asks for (``magic_function`` with ``{"input": 3}``), answer from tool results, emit
JSON matching a requested schema, honour ``stop`` on Chat Completions, and otherwise reply
briefly. Reading request bodies here is fine: this is the server side.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lemon_adapters.testing.server import Reply

JOKE = {
    "setup": "Why did the cat sit on the computer?",
    "punchline": "To keep an eye on the mouse.",
}


def _messages(api: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A role/content view of either API's input."""
    if api == "chat":
        return list(body.get("messages") or [])
    out: list[dict[str, Any]] = []
    if body.get("instructions"):
        out.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    for item in items or []:
        if item.get("type") == "function_call_output":
            out.append({"role": "tool", "content": item.get("output")})
        elif item.get("type") == "function_call":
            out.append({"role": "assistant", "tool_calls": [item]})
        elif item.get("role"):
            out.append(item)
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(
        str(p.get("text", ""))
        for p in content or []
        if isinstance(p, dict) and p.get("type") in ("text", "input_text")
    )


def _has_image(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") in ("image_url", "input_image") for p in content
    )


def _tools(api: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """``{"name", "parameters"}`` for each function tool offered."""
    out = []
    for tool in body.get("tools") or []:
        fn = tool.get("function", tool) if api == "chat" else tool
        out.append({"name": fn.get("name"), "parameters": fn.get("parameters") or {}})
    return out


def _forced_name(choice: Any) -> str | None:
    if isinstance(choice, dict):
        fn = choice.get("function")
        return str(fn.get("name")) if isinstance(fn, dict) else choice.get("name")
    return None


def _format_schema(api: str, body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The requested output format: ("json_schema", schema), ("json_object", {}) or None."""
    if api == "chat":
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
    else:
        fmt = (body.get("text") or {}).get("format") or {}
        schema = fmt.get("schema") or {}
    return fmt.get("type"), schema


def arguments_for(name: str, schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Arguments a careful model would pass to ``name`` given ``prompt``."""
    numbers = [int(n) for n in re.findall(r"-?\d+", prompt)]
    quoted = re.findall(r"'([^']+)'", prompt)
    props: dict[str, Any] = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for key, spec in props.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind in ("integer", "number"):
            out[key] = numbers.pop(0) if numbers else 3
        elif key in JOKE:
            out[key] = JOKE[key]
        elif key == "customer_name" and quoted:
            out[key] = quoted[0]
        elif key == "location":
            out[key] = "San Francisco, CA"
        elif key == "answer_style":
            out[key] = "pirate"
        elif kind == "boolean":
            out[key] = True
        else:
            out[key] = prompt[:60] or "example"
    return out


def _reply_text(prompt: str, image: bool, tool_result: str | None) -> str:
    if tool_result is not None:
        return f"The tool returned {tool_result}, so that is the answer."
    if image:
        return "The image shows a small diagram rendered as a picture."
    low = prompt.lower()
    if "haiku" in low:
        return (
            "Lemon light at dawn\nstreams arrive token by token\nthe gateway hums on\n\n"
            "Quiet cassette spins\nrecorded words play again\noffline, still they flow"
        )
    if low.startswith(("hello", "hey", "hi")):
        return "Hi there! How can I help you today?"
    if "how are you" in low:
        return "I'm doing well, thank you for asking! How can I help you?"
    if "story" in low:
        return (
            "Once upon a time a curious cat named Lemon followed a stream of tokens "
            "across the gateway and found, at its end, a warm and sunny windowsill."
        )
    return "Here is a short answer: " + (prompt[:80] or "hello")


def standard_responder(api: str, body: dict[str, Any]) -> Reply:
    """The answer for one request of the standard suites (or the agent/chain tests)."""
    messages = _messages(api, body)
    users = [m for m in messages if m.get("role") == "user"]
    prompt = _text(users[-1].get("content")) if users else ""
    image = bool(users) and _has_image(users[-1].get("content"))
    last_role = messages[-1].get("role") if messages else "user"
    tools = _tools(api, body)
    choice = body.get("tool_choice")
    forced = _forced_name(choice)
    must_call = forced is not None or choice == "required"
    input_tokens = max(1, sum(len(_text(m.get("content"))) for m in messages) // 4)

    if tools and choice != "none" and (must_call or last_role == "user"):
        tool = next((t for t in tools if t["name"] == forced), None)
        if tool is None:
            tool = next((t for t in tools if t["name"] and t["name"] in prompt), tools[0])
        args = arguments_for(tool["name"], tool["parameters"], prompt)
        return Reply(
            tool_calls=[(tool["name"], json.dumps(args, ensure_ascii=False))],
            input_tokens=input_tokens,
        )

    kind, schema = _format_schema(api, body)
    if kind in ("json_schema", "json_object"):
        props = schema.get("properties") or JOKE
        obj = {k: JOKE.get(k, "cats") for k in props}
        return Reply(text=json.dumps(obj), input_tokens=input_tokens)

    effort = (body.get("reasoning") or {}).get("effort") or body.get("reasoning_effort")
    reasoning = f"The user asks {prompt[:60]!r}; a short, direct answer fits." if effort else ""
    tool_result = None
    if last_role == "tool":
        tool_result = _text(messages[-1].get("content"))
    text = _reply_text(prompt, image, tool_result)
    stops = body.get("stop") if api == "chat" else None
    for stop in [stops] if isinstance(stops, str) else stops or []:
        if stop and stop in text:
            text = text[: text.index(stop)]
    return Reply(text=text, reasoning=reasoning, input_tokens=input_tokens)
