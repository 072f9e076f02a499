"""The local server's Gemini route: ``POST /v1beta/models/{model}:streamGenerateContent``
(SSE with ``alt=sse``, one JSON array without it) and ``:generateContent``, as LemonData
serves Gemini models natively beside ``/v1``.

A :class:`~lemon_adapters.testing.server.Reply` is rendered as Gemini streams it: thought
parts (``"thought": true``) first, with a stand-in ``thoughtSignature`` on the first part
of the answer; text parts; function calls whole, with API-style ids and the signature on
the first call; ``finishReason`` and the usage snapshot on the last chunk (counts
``promptTokenCount`` / ``candidatesTokenCount`` / ``thoughtsTokenCount``, and only the
prompt count before, as the Gemini API does). Errors use Google's shape
(``{"error": {"code", "message", "status", "details"}}``), answered with
``text/event-stream`` to a streaming request, as Google does
(``tests/recordings/gemini/wire/err__*``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from lemon_adapters.testing.server import Reply

_ids = itertools.count(1)

#: The route's prefix (the gateway's native-route header names ``/v1beta/gemini``).
PREFIX = "/v1beta/models/"

#: HTTP status -> Google's status name.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def parse_route(path: str) -> tuple[str, bool, bool] | None:
    """``(model, stream, sse)`` of a Gemini route path, or ``None`` if it is not one."""
    route, _, query = path.partition("?")
    if PREFIX not in route or ":" not in route.rsplit("/", 1)[-1]:
        return None
    model, _, method = route.split(PREFIX, 1)[1].rpartition(":")
    if method not in ("streamGenerateContent", "generateContent"):
        return None
    stream = method == "streamGenerateContent"
    return unquote(model), stream, stream and "alt=sse" in query.split("&")


def signature_for(text: str) -> str:
    """A stand-in ``thoughtSignature`` (deterministic; the real one is opaque bytes)."""
    import base64

    return base64.b64encode(b"lemon-dev-gemini:" + hashlib.sha256(text.encode()).digest()).decode()


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def responses(reply: Reply, model: str) -> Iterator[tuple[dict[str, Any], bool]]:
    """The ``GenerateContentResponse`` chunks for ``reply`` as ``(object, is_delta)``."""
    rid = f"lemon-dev-{next(_ids):08d}"
    prompt = {"promptTokenCount": reply.input_tokens, "totalTokenCount": reply.input_tokens}

    def chunk(parts: list[dict[str, Any]], **candidate: Any) -> dict[str, Any]:
        content = {"parts": parts, "role": "model"}
        return {
            "candidates": [{"content": content, **candidate, "index": 0}],
            "usageMetadata": prompt,
            "modelVersion": model,
            "responseId": rid,
        }

    from lemon_adapters.testing.replies import deltas, joined

    text, reasoning = joined(reply.text), joined(reply.reasoning)
    calls = [(name, joined(arguments)) for name, arguments in reply.tool_calls]
    signature = signature_for(reasoning + text + repr(calls))
    signed = False
    for piece in deltas(reply.reasoning, reply.chunk_chars):
        yield chunk([{"text": piece, "thought": True}]), True
    for piece in deltas(reply.text, reply.chunk_chars):
        part: dict[str, Any] = {"text": piece}
        if not signed:
            part["thoughtSignature"], signed = signature, True
        yield chunk([part]), True
    for n, (name, arguments) in enumerate(calls):
        call = {"name": name, "args": json.loads(arguments or "{}"), "id": f"{rid[-8:]}{n}"}
        part = {"functionCall": call}
        if not signed:
            part["thoughtSignature"], signed = signature, True
        yield chunk([part]), True
    thoughts = _tokens(reasoning)
    candidates = _tokens(text) + sum(_tokens(a) for _, a in calls)
    last = chunk([{"text": ""}], finishReason="STOP")
    usage: dict[str, Any] = {
        "promptTokenCount": reply.input_tokens,
        "candidatesTokenCount": candidates,
        "totalTokenCount": reply.input_tokens + candidates + thoughts,
    }
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    last["usageMetadata"] = usage
    yield last, False


def render_sse(reply: Reply, model: str) -> Iterator[tuple[bytes, bool]]:
    """SSE frames (``alt=sse``): ``data: <json>`` and CRLF blank lines, as Google sends."""
    for obj, is_delta in responses(reply, model):
        yield b"data: " + json.dumps(obj).encode() + b"\r\n\r\n", is_delta


def render_array(reply: Reply, model: str) -> Iterator[tuple[bytes, bool]]:
    """One JSON array, written as its elements are produced (no ``alt=sse``)."""
    yield b"[", False
    for n, (obj, is_delta) in enumerate(responses(reply, model)):
        yield (b"\n,\r\n" if n else b"") + json.dumps(obj, indent=2).encode(), is_delta
    yield b"]", False


def complete(reply: Reply, model: str) -> dict[str, Any]:
    """The ``generateContent`` answer: the stream's parts in one candidate."""
    chunks = [obj for obj, _ in responses(reply, model)]
    parts: list[dict[str, Any]] = []
    for obj in chunks:
        for part in obj["candidates"][0]["content"]["parts"]:
            last = parts[-1] if parts else None
            same = last is not None and "text" in last and "text" in part
            if same and last is not None and last.get("thought") == part.get("thought"):
                last["text"] += part["text"]
                if "thoughtSignature" in part:
                    last.setdefault("thoughtSignature", part["thoughtSignature"])
            elif part.get("text") != "" or "thoughtSignature" in part:
                parts.append(dict(part))
    answer = chunks[-1]
    answer["candidates"][0]["content"]["parts"] = parts
    return answer


def error_body(status: int, error: dict[str, Any] | None) -> dict[str, Any]:
    """Google's error shape for a LemonData error object."""
    error = error or {}
    body: dict[str, Any] = {
        "code": status,
        "message": str(error.get("message") or f"HTTP {status}"),
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
    }
    reason = error.get("code")
    if reason:
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": str(reason).upper(),
            "domain": "lemondata.cc",
        }
        body["details"] = [info]
    return {"error": body}


def neutral_view(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """A Gemini request as ``(chat-style messages, offered function names)``."""
    tools = [
        d.get("name") for t in body.get("tools") or () for d in t.get("functionDeclarations") or ()
    ]
    messages: list[dict[str, Any]] = []
    system = body.get("systemInstruction")
    if system:
        text = " ".join(p.get("text", "") for p in system.get("parts") or ())
        messages.append({"role": "system", "content": text})
    for turn in body.get("contents") or ():
        role = "assistant" if turn.get("role") == "model" else "user"
        texts = []
        for part in turn.get("parts") or ():
            if "text" in part and not part.get("thought"):
                texts.append(part["text"])
            elif "functionCall" in part:
                messages.append({"role": "assistant", "tool_calls": [part["functionCall"]]})
            elif "functionResponse" in part:
                response = part["functionResponse"].get("response") or {}
                value = response.get("output", response.get("error", response))
                messages.append({"role": "tool", "content": value})
        if texts:
            messages.append({"role": role, "content": " ".join(texts)})
    return messages, tools


def functions(body: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """The offered functions as ``(name, JSON schema)``."""
    return [
        (str(d.get("name")), d.get("parametersJsonSchema") or d.get("parameters"))
        for t in body.get("tools") or ()
        for d in t.get("functionDeclarations") or ()
    ]


def schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a structured-output request asks for (``{}`` for JSON mode)."""
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        return None
    return dict(config.get("responseJsonSchema") or config.get("responseSchema") or {})


def wants_thoughts(body: dict[str, Any]) -> bool:
    """The request asks for thought summaries."""
    thinking = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
    return bool(thinking.get("includeThoughts"))


def serve(
    handler: Any, body: dict[str, Any], route: tuple[str, bool, bool], scripted: Reply | None
) -> None:
    """Answer one Gemini request on the server's ``handler`` (a ``BaseHTTPRequestHandler``
    of :mod:`lemon_adapters.testing.server`): the ``scripted`` reply if there is one, else
    the responder's, which gets the body with the model of the path added as ``"model"``.
    A recorded body is served byte for byte, and a streamed answer is paced and faulted as
    on the other routes (the keep-alive padding: an SSE comment, or whitespace in a JSON
    array, which a JSON reader skips). The server records the body as sent."""
    model, stream, sse = route
    server = handler.server
    headers = dict(handler.headers)
    entry = {"method": "POST", "api": "gemini", "path": handler.path, "body": body}
    server.requests.append({**entry, "headers": headers})
    reply = scripted or server.responder("gemini", {**body, "model": model})
    if server.delay is not None and reply.delay == 0.0:
        reply.delay = server.delay
    if reply.jitter == 0.0:
        reply.jitter = server.jitter
    if reply.body is not None:
        handler._serve(reply, None)
    elif reply.status >= 400:
        # Google answers a streaming request's error with the stream's content type.
        kind = "text/event-stream" if stream else "application/json"
        data = json.dumps(error_body(reply.status, reply.error), indent=2).encode()
        _head(handler, reply.status, kind, reply.headers, length=len(data))
        handler.wfile.write(data)
    elif not stream:
        data = json.dumps(complete(reply, model)).encode()
        _head(handler, 200, "application/json", reply.headers, length=len(data))
        handler.wfile.write(data)
    else:
        kind = "text/event-stream" if sse else "application/json; charset=UTF-8"
        frames = (render_sse if sse else render_array)(reply, model)
        padding = b": keep-alive\n\n" if sse else b"\n"
        handler._stream(frames, replace(reply, content_type=kind), padding)


def _head(
    handler: Any, status: int, kind: str, headers: dict[str, str], length: int | None = None
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    if length is None:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(length))
    handler.send_header("X-Request-Id", f"req_gemini_{next(_ids):08d}")
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
