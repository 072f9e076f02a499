"""The demo assistant: a responder that plays a plausible model offline.

:func:`demo_responder` calls a tool when tools are offered and no tool result is in the
conversation yet, answers from tool results, fills a requested JSON schema, answers a
retrieval prompt from its best-matching context line, and otherwise explains what it
received. Models named ``error-<status>`` answer LemonData's documented error body for that
status, and a misspelled catalog name (``gpt-4o-minii``) the documented 400
``model_not_found`` with ``did_you_mean``, so error handling can be shown offline.
:func:`neutral_view` reads a request body of any of the three chat APIs the same way, for
responders of your own.
"""

from __future__ import annotations

import json
from typing import Any

from . import gemini as _gemini
from .contract import did_you_mean, find_model, model_not_found
from .replies import Reply, error_reply


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text", ""))
                    for p in content
                    if isinstance(p, dict) and p.get("type") in ("text", "input_text")
                )
    return ""


def neutral_view(api: str, body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """A request body of either API as ``(chat-style messages, offered tool names)``.

    Responders use it to read a conversation without caring which API carried it.
    """
    if api == "chat":
        tools = [t.get("function", {}).get("name") for t in body.get("tools") or ()]
        return list(body.get("messages") or ()), tools
    if api == "messages":
        return _messages_view(body)
    if api == "gemini":
        return _gemini.neutral_view(body)
    tools = [t.get("name") for t in body.get("tools") or () if t.get("type") == "function"]
    items = body.get("input")
    if isinstance(items, str):
        return [{"role": "user", "content": items}], tools
    messages = []
    for item in items or ():
        if item.get("type") == "function_call_output":
            messages.append({"role": "tool", "content": item.get("output")})
        elif item.get("type") == "function_call":
            messages.append({"role": "assistant", "tool_calls": [item]})
        elif item.get("role"):
            messages.append(item)
    return messages, tools


def _messages_view(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    tools = [t.get("name") for t in body.get("tools") or () if "input_schema" in t]
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system)
        messages.append({"role": "system", "content": text})
    for turn in body.get("messages") or ():
        content = turn.get("content")
        if isinstance(content, str):
            messages.append({"role": turn.get("role"), "content": content})
            continue
        texts = [b.get("text", "") for b in content or () if b.get("type") == "text"]
        for b in content or ():
            if b.get("type") == "tool_result":
                result = b.get("content")
                if isinstance(result, list):
                    result = " ".join(x.get("text", "") for x in result if isinstance(x, dict))
                messages.append({"role": "tool", "content": result})
            elif b.get("type") == "tool_use":
                messages.append({"role": "assistant", "tool_calls": [b]})
        if texts:
            messages.append({"role": turn.get("role"), "content": " ".join(texts)})
    return messages, tools


def example_arguments(schema: dict[str, Any] | None, prompt: str) -> dict[str, Any]:
    """Plausible arguments for a JSON schema: numbers from the prompt, else placeholders."""
    numbers = [int(t) for t in prompt.replace(",", " ").replace("?", " ").split() if t.isdigit()]
    out: dict[str, Any] = {}
    props = (schema or {}).get("properties") or {}
    for name, spec in props.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind in ("integer", "number"):
            out[name] = numbers.pop(0) if numbers else 3
        elif kind == "boolean":
            out[name] = True
        elif kind == "array":
            out[name] = []
        elif kind == "object":
            out[name] = example_arguments(spec, prompt)
        elif isinstance(spec, dict) and spec.get("enum"):
            out[name] = spec["enum"][0]
        else:
            out[name] = _salient_word(prompt)
    return out


def _salient_word(prompt: str) -> str:
    """The prompt's last proper noun ("Seoul"), else its last word ("lemons")."""
    words = [w.strip(".,?!:;'\"") for w in prompt.split()]
    words = [w for w in words if w.isalpha()]
    proper = [w for w in words[1:] if w[0].isupper()]
    return proper[-1] if proper else (words[-1] if words else "example")


def _schema_of(api: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a structured-output request asks for (``{}`` for JSON mode)."""
    if api == "gemini":
        return _gemini.schema(body)
    fmt: Any = (body.get("text") or {}).get("format") if api == "responses" else None
    if api == "chat":
        fmt = body.get("response_format")
        if isinstance(fmt, dict) and isinstance(fmt.get("json_schema"), dict):
            fmt = {"type": "json_schema", **fmt["json_schema"]}
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_schema":
        return dict(fmt.get("schema") or {})
    if fmt.get("type") == "json_object":
        return {}
    return None


def _answer_from_context(prompt: str) -> str | None:
    """For a retrieval prompt (context, then ``Query:``): the context line that best
    matches the query, as a retrieval-augmented model would ground its answer."""
    if "Query:" not in prompt:
        return None
    context, _, query = prompt.rpartition("Query:")
    query = query.split("Answer:")[0]

    def stems(text: str) -> set[str]:  # crude stemming: "lemons" and "lemon" match
        return {w.strip(".,?!;:").lower()[:5] for w in text.split() if len(w) > 3}

    words = stems(query)
    lines = [ln.strip() for ln in context.splitlines() if ln.strip() and not set(ln) <= {"-"}]
    facts = [ln for ln in lines if not ln.lower().startswith(("context information", "given the"))]
    if not facts:
        return None
    best = max(facts, key=lambda ln: len(words & stems(ln)))
    return f"According to the documents: {best}"


def demo_responder(api: str, body: dict[str, Any]) -> Reply:
    """A plausible assistant for offline demos (see the module docstring).

    It calls the first offered tool (arguments drawn from the prompt) until a tool result
    is in the conversation, then answers from that result; it fills a requested JSON
    schema; it answers a retrieval prompt from its best-matching context line; it streams
    a short reasoning first when reasoning is requested.
    """
    model = str(body.get("model", ""))
    if model.startswith("error-") and model[6:].isdigit():
        return error_reply(int(model[6:]), model)
    if did_you_mean(model) not in (None, model) and find_model(model) is None:
        return Reply(status=400, error=model_not_found(model))  # a misspelled model name
    messages, tool_names = neutral_view(api, body)
    prompt = _last_user_text(messages)
    tool_results = [m for m in messages if m.get("role") == "tool"]
    reasoning = ""
    effort = (body.get("reasoning") or {}).get("effort") or body.get("reasoning_effort")
    thinking = body.get("thinking")
    thinks = isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")
    if effort or thinks or (api == "gemini" and _gemini.wants_thoughts(body)):
        reasoning = f"The user asks: {prompt[:80]!r}. I should answer briefly and concretely."
    schema = _schema_of(api, body)
    if schema is not None:
        value = example_arguments(schema, prompt) if schema else {"answer": prompt[:40]}
        return Reply(reasoning=reasoning, text=json.dumps(value))
    if tool_names and not tool_results:
        tools = body.get("tools") or []
        calls = []
        offered = _gemini.functions(body) if api == "gemini" else []
        for tool in tools[:1] if api != "gemini" else ():
            fn = tool.get("function", tool)
            offered.append((str(fn.get("name")), fn.get("parameters") or fn.get("input_schema")))
        for name, parameters in offered[:1]:
            calls.append((name, json.dumps(example_arguments(parameters, prompt))))
        return Reply(reasoning=reasoning, tool_calls=calls)
    if tool_results:
        result = str(tool_results[-1].get("content"))
        text = f"The tool returned {result}. So the answer is {result}."
    else:
        text = _answer_from_context(prompt) or (
            f"You asked: {prompt[:80]!r}. This answer comes from the lemon-adapters local "
            "LemonData-shaped server, streamed token by token over real HTTP so you can see "
            "deltas arrive as they would from the gateway."
        )
    return Reply(text=text, reasoning=reasoning)
