"""A local, LemonData-shaped server on 127.0.0.1 for demos, tests and benchmarks.

It speaks both wire formats the way the gateway does (typed Responses events ending in
``response.completed``; Chat Completions chunks with a usage chunk and ``data: [DONE]``),
streams with real chunked transfer over HTTP/1.1 keep-alive, paces tokens if asked, and
answers errors in LemonData's JSON shape. It is standard library only and is never
imported by ``lemon_adapters`` itself.

What it answers is decided by a *responder*: a function from ``(api, request_body)`` to a
:class:`Reply`. :func:`demo_responder` plays a plausible assistant: it calls a tool when
tools are offered and no tool result is in the conversation yet, answers from tool
results, and otherwise explains what it received. Models named ``error-<status>`` answer
LemonData's documented error body for that status, and a misspelled catalog name
(``gpt-4o-minii``) the documented 400 ``model_not_found`` with ``did_you_mean``, so error
handling can be shown offline. ``GET /v1/models`` and ``/v1/models/{model}`` answer from a
small documented catalog, and Chat Completions answers for ``claude-*`` / ``gemini-*``
carry LemonData's native-route hint headers (see :mod:`lemon_adapters.testing.contract`).
"""

from __future__ import annotations

import itertools
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lemon_adapters.testing import vectors as _retrieval
from lemon_adapters.testing.contract import (
    BY_STATUS,
    NATIVE_ROUTES,
    STATUS_HEADERS,
    did_you_mean,
    find_model,
    list_models,
    model_not_found,
    pricing,
)

_ids = itertools.count(1)


@dataclass(kw_only=True)
class Reply:
    """What the server answers.

    Attributes:
        text: the answer, streamed in pieces of ``chunk_chars`` characters.
        reasoning: reasoning text streamed before the answer (empty: none).
        tool_calls: ``(name, arguments_json)`` pairs; arguments stream in pieces too.
        status: an HTTP error status to answer instead (with ``error`` as the body).
        error: LemonData's error object for ``status``.
        headers: extra response headers.
        chunk_chars: characters per streamed delta.
        delay: seconds to wait between streamed deltas (0 for as fast as possible).
        jitter: up to this many seconds more, drawn per delta (pacing like a real model).
        input_tokens: reported prompt size.
    """

    text: str = ""
    reasoning: str = ""
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunk_chars: int = 4
    delay: float = 0.0
    jitter: float = 0.0
    input_tokens: int = 12


Responder = Callable[[str, dict[str, Any]], Reply]


def pieces(text: str, size: int) -> list[str]:
    """Split ``text`` into deltas of about ``size`` characters, on word edges when possible."""
    if not text:
        return []
    out: list[str] = []
    current = ""
    for word in text.split(" "):
        token = (" " if current or out else "") + word
        if current and len(current) + len(token) > size:
            out.append(current)
            current = token
        else:
            current += token
        while len(current) > size * 3:
            out.append(current[:size])
            current = current[size:]
    if current:
        out.append(current)
    return out


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _sse(obj: Any, event: str | None = None) -> bytes:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def render_responses(reply: Reply, model: str) -> Iterator[tuple[bytes, bool]]:
    """Responses API frames as ``(bytes, is_delta)``; deltas are where pacing applies."""
    rid = f"resp_{next(_ids):08d}"
    seq = itertools.count()
    base: dict[str, Any] = {
        "id": rid,
        "object": "response",
        "model": model,
        "output": [],
        "usage": None,
    }

    def ev(kind: str, **fields: Any) -> bytes:
        return _sse({"type": kind, **fields, "sequence_number": next(seq)}, kind)

    yield ev("response.created", response={**base, "status": "in_progress"}), False
    yield ev("response.in_progress", response={**base, "status": "in_progress"}), False
    output: list[dict[str, Any]] = []
    index = 0
    if reply.reasoning:
        item_id = f"rs_{rid}_{index}"
        added = {"id": item_id, "type": "reasoning", "summary": []}
        yield ev("response.output_item.added", output_index=index, item=added), False
        part: dict[str, Any] = {"type": "summary_text", "text": ""}
        yield (
            ev(
                "response.reasoning_summary_part.added",
                item_id=item_id,
                output_index=index,
                summary_index=0,
                part=part,
            ),
            False,
        )
        for piece in pieces(reply.reasoning, reply.chunk_chars):
            yield (
                ev(
                    "response.reasoning_summary_text.delta",
                    item_id=item_id,
                    output_index=index,
                    summary_index=0,
                    delta=piece,
                ),
                True,
            )
        done: dict[str, Any] = {
            "id": item_id,
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": reply.reasoning}],
        }
        yield (
            ev(
                "response.reasoning_summary_text.done",
                item_id=item_id,
                output_index=index,
                summary_index=0,
                text=reply.reasoning,
            ),
            False,
        )
        yield ev("response.output_item.done", output_index=index, item=done), False
        output.append(done)
        index += 1
    if reply.text:
        item_id = f"msg_{rid}_{index}"
        item: dict[str, Any] = {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        yield ev("response.output_item.added", output_index=index, item=item), False
        yield (
            ev(
                "response.content_part.added",
                item_id=item_id,
                output_index=index,
                content_index=0,
                part={"type": "output_text", "text": "", "annotations": []},
            ),
            False,
        )
        for piece in pieces(reply.text, reply.chunk_chars):
            yield (
                ev(
                    "response.output_text.delta",
                    item_id=item_id,
                    output_index=index,
                    content_index=0,
                    delta=piece,
                    logprobs=[],
                ),
                True,
            )
        part = {"type": "output_text", "text": reply.text, "annotations": []}
        yield (
            ev(
                "response.output_text.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                text=reply.text,
                logprobs=[],
            ),
            False,
        )
        yield (
            ev(
                "response.content_part.done",
                item_id=item_id,
                output_index=index,
                content_index=0,
                part=part,
            ),
            False,
        )
        done = {**item, "status": "completed", "content": [part]}
        yield ev("response.output_item.done", output_index=index, item=done), False
        output.append(done)
        index += 1
    for n, (name, arguments) in enumerate(reply.tool_calls):
        item_id = f"fc_{rid}_{index}"
        call_id = f"call_{rid}_{n}"
        call: dict[str, Any] = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "call_id": call_id,
            "name": name,
            "arguments": "",
        }
        yield ev("response.output_item.added", output_index=index, item=call), False
        for piece in pieces(arguments, reply.chunk_chars):
            yield (
                ev(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=piece,
                ),
                True,
            )
        yield (
            ev(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                arguments=arguments,
            ),
            False,
        )
        done = {**call, "status": "completed", "arguments": arguments}
        yield ev("response.output_item.done", output_index=index, item=done), False
        output.append(done)
        index += 1
    out_tokens = (
        _tokens(reply.text)
        + _tokens(reply.reasoning)
        + sum(_tokens(a) for _, a in reply.tool_calls)
    )
    usage = {
        "input_tokens": reply.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out_tokens,
        "output_tokens_details": {"reasoning_tokens": _tokens(reply.reasoning)},
        "total_tokens": reply.input_tokens + out_tokens,
    }
    final = {**base, "status": "completed", "output": output, "usage": usage}
    yield ev("response.completed", response=final), False


def render_chat(reply: Reply, model: str) -> Iterator[tuple[bytes, bool]]:
    """Chat Completions frames as ``(bytes, is_delta)``."""
    cid = f"chatcmpl-{next(_ids):08d}"
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        return _sse(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
        )

    yield chunk({"role": "assistant", "content": ""}), False
    for piece in pieces(reply.reasoning, reply.chunk_chars):
        yield chunk({"reasoning_content": piece}), True
    for piece in pieces(reply.text, reply.chunk_chars):
        yield chunk({"content": piece}), True
    for n, (name, arguments) in enumerate(reply.tool_calls):
        first = {
            "index": n,
            "id": f"call_{cid}_{n}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        yield chunk({"tool_calls": [first]}), False
        for piece in pieces(arguments, reply.chunk_chars):
            yield chunk({"tool_calls": [{"index": n, "function": {"arguments": piece}}]}), True
    finish = "tool_calls" if reply.tool_calls else "stop"
    yield chunk({}, finish), False
    out_tokens = (
        _tokens(reply.text)
        + _tokens(reply.reasoning)
        + sum(_tokens(a) for _, a in reply.tool_calls)
    )
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": out_tokens,
        "total_tokens": reply.input_tokens + out_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": _tokens(reply.reasoning)},
    }
    yield (
        _sse(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
        ),
        False,
    )
    yield b"data: [DONE]\n\n", False


def render_messages(reply: Reply, model: str) -> Iterator[tuple[bytes, bool]]:
    """Anthropic Messages frames as ``(bytes, is_delta)``: thinking (with a signature),
    text and tool_use content blocks, as LemonData's native Claude route streams them."""
    mid = f"msg_{next(_ids):08d}"
    start_usage = {"input_tokens": reply.input_tokens, "output_tokens": 1}
    message: dict[str, Any] = {
        "id": mid,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "usage": start_usage,
    }
    yield _sse({"type": "message_start", "message": message}, "message_start"), False
    index = 0

    def block(start: dict[str, Any], deltas: list[dict[str, Any]]) -> Iterator[tuple[bytes, bool]]:
        opening = {"type": "content_block_start", "index": index, "content_block": start}
        yield _sse(opening, "content_block_start"), False
        for delta in deltas:
            frame = {"type": "content_block_delta", "index": index, "delta": delta}
            yield _sse(frame, "content_block_delta"), delta["type"] != "signature_delta"
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop"), False

    if reply.reasoning:
        deltas = [
            {"type": "thinking_delta", "thinking": p}
            for p in pieces(reply.reasoning, reply.chunk_chars)
        ]
        deltas.append({"type": "signature_delta", "signature": signature_of(reply.reasoning)})
        yield from block({"type": "thinking", "thinking": "", "signature": ""}, deltas)
        index += 1
    if reply.text:
        deltas = [{"type": "text_delta", "text": p} for p in pieces(reply.text, reply.chunk_chars)]
        yield from block({"type": "text", "text": ""}, deltas)
        index += 1
    for n, (name, arguments) in enumerate(reply.tool_calls):
        start = {"type": "tool_use", "id": f"toolu_{mid}_{n}", "name": name, "input": {}}
        deltas = [
            {"type": "input_json_delta", "partial_json": p}
            for p in pieces(arguments, reply.chunk_chars)
        ]
        yield from block(start, deltas)
        index += 1
    out_tokens = _tokens(reply.text) + _tokens(reply.reasoning)
    out_tokens += sum(_tokens(a) for _, a in reply.tool_calls)
    stop = "tool_use" if reply.tool_calls else "end_turn"
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": out_tokens},
    }
    yield _sse(delta, "message_delta"), False
    yield _sse({"type": "message_stop"}, "message_stop"), False


def signature_of(thinking: str) -> str:
    """A stand-in signature for a thinking block (deterministic; the real one is opaque)."""
    import base64
    import hashlib

    return base64.b64encode(b"lemon-dev:" + hashlib.sha256(thinking.encode()).digest()).decode()


def complete_object(api: str, reply: Reply, model: str) -> dict[str, Any]:
    """The non-streaming response object for ``reply``: the streams' final state."""
    render = RENDERERS[api]
    frames = [f for f, _ in render(reply, model)]
    if api == "messages":
        return _messages_object(frames)
    if api == "responses":
        last = json.loads(frames[-1].split(b"data: ", 1)[1])
        return dict(last["response"])
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{n}", "type": "function", "function": {"name": nm, "arguments": a}}
            for n, (nm, a) in enumerate(reply.tool_calls)
        ]
    usage = json.loads(frames[-2].split(b"data: ", 1)[1])["usage"]
    return {
        "id": f"chatcmpl-{next(_ids):08d}",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": usage,
    }


def _messages_object(frames: list[bytes]) -> dict[str, Any]:
    """The non-streamed Messages answer: the stream's blocks folded whole."""
    events = [json.loads(f.split(b"data: ", 1)[1]) for f in frames]
    message = dict(events[0]["message"])
    blocks: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["type"] == "content_block_start":
            blocks[event["index"]] = dict(event["content_block"])
        elif event["type"] == "content_block_delta":
            b, d = blocks[event["index"]], event["delta"]
            for src, dst in (
                ("text", "text"),
                ("thinking", "thinking"),
                ("signature", "signature"),
            ):
                if src in d:
                    b[dst] = b.get(dst, "") + d[src]
            if "partial_json" in d:
                b["_json"] = b.get("_json", "") + d["partial_json"]
        elif event["type"] == "message_delta":
            message.update(event["delta"])
            message["usage"] = {**message["usage"], **event["usage"]}
    for b in blocks.values():
        if "_json" in b:
            b["input"] = json.loads(b.pop("_json") or "{}")
    message["content"] = [blocks[i] for i in sorted(blocks)]
    return message


RENDERERS: dict[str, Callable[[Reply, str], Iterator[tuple[bytes, bool]]]] = {
    "responses": render_responses,
    "chat": render_chat,
    "messages": render_messages,
}


# -- the demo assistant -----------------------------------------------------------------


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
    if effort or (isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")):
        reasoning = f"The user asks: {prompt[:80]!r}. I should answer briefly and concretely."
    schema = _schema_of(api, body)
    if schema is not None:
        value = example_arguments(schema, prompt) if schema else {"answer": prompt[:40]}
        return Reply(reasoning=reasoning, text=json.dumps(value))
    if tool_names and not tool_results:
        tools = body.get("tools") or []
        calls = []
        for tool in tools[:1]:
            fn = tool.get("function", tool)
            args = example_arguments(fn.get("parameters") or fn.get("input_schema"), prompt)
            calls.append((str(fn.get("name")), json.dumps(args)))
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


def error_reply(status: int, model: str) -> Reply:
    """LemonData's documented error body for ``status`` (see :mod:`.contract`);
    a status the docs show no body for gets a plain ``api_error``."""
    error = BY_STATUS.get(status)
    if error is None:
        error = {"message": f"HTTP {status}", "type": "api_error", "code": str(status)}
    return Reply(status=status, error=dict(error), headers=dict(STATUS_HEADERS.get(status, {})))


_neutral_view = neutral_view  # the name early test responders imported


# -- the HTTP server --------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Small SSE frames must leave at once: Nagle plus delayed ACKs would add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        if path.endswith("/models"):
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            self._json(200, {"object": "list", "data": list_models(query)})
        elif path.endswith("/pricing"):
            self._json(*pricing({k: v[0] for k, v in parse_qs(url.query).items()}))
        elif "/models/" in path:
            model_id = unquote(path.split("/models/", 1)[1])
            detail = find_model(model_id)
            if detail is None:
                self._json(
                    404, {"error": dict(BY_STATUS[404], message=f"Model '{model_id}' not found")}
                )
            else:
                self._json(200, detail)
        else:
            self._json(
                404,
                {
                    "error": {
                        "message": f"no route {self.path}",
                        "type": "invalid_request_error",
                        "code": "not_found",
                    }
                },
            )

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(
                400,
                {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}},
            )
            return
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith(("/embeddings", "/rerank")):  # see lemon_adapters.testing.vectors
            route = path.rsplit("/", 1)[1]
            self.server.requests.append(
                {"api": route, "path": self.path, "body": body, "headers": dict(self.headers)}
            )
            self._json(*_retrieval.answer(route, body))
            return
        if path.endswith("/responses"):
            api = "responses"
        elif path.endswith("/chat/completions"):
            api = "chat"
        elif path.endswith("/messages"):
            api = "messages"
        else:
            self._json(
                404,
                {
                    "error": {
                        "message": f"no route {self.path}",
                        "type": "invalid_request_error",
                        "code": "not_found",
                    }
                },
            )
            return
        self.server.requests.append(
            {"api": api, "path": self.path, "body": body, "headers": dict(self.headers)}
        )
        reply = self.server.responder(api, body)
        if self.server.delay is not None and reply.delay == 0.0:
            reply.delay = self.server.delay
        if reply.jitter == 0.0:
            reply.jitter = self.server.jitter
        if reply.status >= 400:
            self._json(reply.status, {"error": reply.error or {"message": "error"}}, reply.headers)
            return
        model = str(body.get("model", "unknown"))
        headers = dict(reply.headers)
        family = model.split("/")[-1].split("-")[0].lower()
        if api == "chat" and family in NATIVE_ROUTES:
            endpoint, hint = NATIVE_ROUTES[family]
            headers.setdefault("X-LemonData-Native-Endpoint", endpoint)
            headers.setdefault("X-LemonData-Hint", hint)
        reply.headers = headers
        if not body.get("stream"):
            self._json(200, complete_object(api, reply, model), reply.headers)
            return
        render = RENDERERS[api]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Cache-Status", "MISS")
        self.send_header("X-Request-Id", f"req_{next(_ids):08d}")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            for frame, is_delta in render(reply, model):
                if is_delta and (reply.delay or reply.jitter):
                    time.sleep(reply.delay + random.uniform(0.0, reply.jitter))
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", f"req_{next(_ids):08d}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    responder: Responder
    delay: float | None
    jitter: float
    requests: list[dict[str, Any]]


class DevServer:
    """A LemonData-shaped server on 127.0.0.1 in a background thread.

    Use as a context manager; ``base_url`` is ready to pass as ``base_url=``.

    Args:
        responder: decides each answer (default :func:`demo_responder`).
        delay: seconds between streamed deltas for every reply (``None``: the reply's own).
        jitter: up to this many seconds more per delta, drawn at random.
        port: 0 picks a free port.
    """

    def __init__(
        self,
        responder: Responder = demo_responder,
        *,
        delay: float | None = None,
        jitter: float = 0.0,
        port: int = 0,
    ) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.responder = responder
        self._server.delay = delay
        self._server.jitter = jitter
        self._server.requests = []
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def responder(self) -> Responder:
        """What decides each answer; assign another to script the next replies."""
        return self._server.responder

    @responder.setter
    def responder(self, responder: Responder) -> None:
        self._server.responder = responder

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every POST received: ``{"api", "path", "body", "headers"}``."""
        return self._server.requests

    def start(self) -> DevServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            daemon=True,
            name="lemon-devserver",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
