"""Every real recorded stream in ``tests/recordings/wire`` through the pure parser.

Each streaming body (``stream: true``, HTTP 200 in ``index.json``) is parsed whole, byte by
byte and at seeded random split points, and re-framed in the ways the SSE and Responses
specs allow (CRLF / CR line ends, a BOM, keep-alive comments, no ``event:`` lines, an extra
``[DONE]``, no final blank line): every variant must give the identical event list, and the
invariant checker runs on each. Results are then compared against an independent reading:
for the Responses API the server's own terminal object, for Chat Completions a small
reference reader written here (deliberately not the production code path), plus explicit
expectations read off the bytes for the recordings with quirks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from lemon_adapters.core import errors
from lemon_adapters.core.errors import api_error as status_error
from lemon_adapters.core.events import StreamEvent
from lemon_adapters.core.wire.accumulate import StreamResult
from lemon_adapters.core.wire.parser import StreamParser
from tests.conftest import WIRE
from tests.invariants import check_invariants
from tests.parsing import events_from_object

INDEX: list[dict[str, Any]] = json.loads((WIRE / "index.json").read_text())
STREAMS = [e for e in INDEX if e.get("stream") and e["status"] == 200]
RESPONSES = [e for e in STREAMS if e["api"] == "responses"]
CHATS = [e for e in STREAMS if e["api"] == "chat"]
ERRORS = [e for e in INDEX if e["file"].startswith("err__") and e["status"] >= 400]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["file"].removesuffix(".body") for e in entries]


#: Streams that end in an in-stream error (HTTP 200): the parser must fail with StreamError.
FAILING = {
    # Groq: reasoning deltas, then an `event: error` frame (tool_use_failed), no [DONE].
    "chat__groq_gpt-oss-120b__event-error-tool_use_failed__pydantic-ai__0.body",
    # OpenRouter: finish_reason length, then a chunk with a top-level error object.
    "chat__openrouter_minimax-m2__midstream-error+length__pydantic-ai__0.body",
    # OpenAI: {type: error, code: insufficient_quota} then response.failed.
    "resp__openai_gpt-5-nano__error-event+failed__vercel-ai.chunks__0.body",
}


def body_of(entry: dict[str, Any]) -> bytes:
    return (WIRE / entry["file"]).read_bytes()


@dataclass
class Parsed:
    events: list[StreamEvent]
    parser: StreamParser

    @property
    def result(self) -> StreamResult:
        return self.parser.result

    @property
    def failure(self) -> errors.LemonDataError | None:
        return self.parser.failure


def parse_chunks(api: Any, chunks: Iterable[bytes]) -> Parsed:
    parser = StreamParser(api)
    events: list[StreamEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return Parsed(events, parser)


def whole(body: bytes) -> list[bytes]:
    return [body]


def bytewise(body: bytes) -> list[bytes]:
    return [body[i : i + 1] for i in range(len(body))]


def random_split(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 40))))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


def parse(entry: dict[str, Any], body: bytes | None = None) -> Parsed:
    parsed = parse_chunks(entry["api"], whole(body_of(entry) if body is None else body))
    check_invariants(parsed.events, finished=parsed.failure is None)
    return parsed


# -- chunking -----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_any_chunking_gives_identical_events(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    reference = parse(entry)
    assert reference.events, "no events at all"
    variants = {"bytewise": bytewise(body)}
    for seed in range(5):
        variants[f"random{seed}"] = random_split(body, seed)
    for name, chunks in variants.items():
        assert b"".join(chunks) == body
        got = parse_chunks(entry["api"], chunks)
        assert got.events == reference.events, name
        assert got.result == reference.result, name
        assert type(got.failure) is type(reference.failure), name
        check_invariants(got.events, finished=got.failure is None)


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_failure_only_where_the_server_reported_one(entry: dict[str, Any]) -> None:
    parsed = parse(entry)
    if entry["file"] in FAILING:
        assert isinstance(parsed.failure, errors.StreamError)
        assert parsed.failure.partial is not None
        assert parsed.failure.partial == parsed.result
        assert parsed.result.finish_reason is None
    else:
        assert parsed.failure is None, parsed.failure
        assert parsed.result.finish_reason is not None
        assert parsed.parser.finished


# -- legal re-framings --------------------------------------------------------------------


def _blocks(body: bytes) -> list[bytes]:
    """The body's events as blocks of LF-terminated lines (recordings use LF only)."""
    assert b"\r" not in body
    return [b for b in body.split(b"\n\n") if b.strip()]


def _join(blocks: list[bytes], sep: bytes = b"\n\n") -> bytes:
    return sep.join(blocks) + sep


def crlf(body: bytes) -> bytes:
    return body.replace(b"\n", b"\r\n")


def cr(body: bytes) -> bytes:
    return body.replace(b"\n", b"\r")


def bom(body: bytes) -> bytes:
    return b"\xef\xbb\xbf" + body


def keepalives(body: bytes) -> bytes:
    out = []
    for block in _blocks(body):
        out.append(b": OPENROUTER PROCESSING")
        # A comment line inside an event is legal too (it is not a blank line).
        out.append(b": keep-alive\n" + block)
    return _join(out)


def no_event_lines(body: bytes) -> bytes:
    blocks = []
    for block in _blocks(body):
        lines = [ln for ln in block.split(b"\n") if not ln.startswith(b"event:")]
        if lines:
            blocks.append(b"\n".join(lines))
    return _join(blocks)


def ids_and_retry(body: bytes) -> bytes:
    blocks = [b"id: %d\n%s" % (n, block) for n, block in enumerate(_blocks(body))]
    return b"retry: 3000\n\n" + _join(blocks)


def done_appended(body: bytes) -> bytes:
    return body + b"data: [DONE]\n\n"


def no_final_blank_line(body: bytes) -> bytes:
    return body.rstrip(b"\n") + b"\n"


def no_final_newline(body: bytes) -> bytes:
    return body.rstrip(b"\n")


def data_without_space(body: bytes) -> bytes:
    return body.replace(b"\ndata: ", b"\ndata:").replace(b"data: ", b"data:", 1)


REFRAMINGS: dict[str, Callable[[bytes], bytes]] = {
    "crlf": crlf,
    "cr": cr,
    "bom": bom,
    "bom+crlf": lambda b: bom(crlf(b)),
    "keepalives": keepalives,
    "no_final_blank_line": no_final_blank_line,
    "no_final_newline": no_final_newline,
    "crlf_no_final_newline": lambda b: crlf(no_final_newline(b)),
    "data_without_space": data_without_space,
    "ids_and_retry": ids_and_retry,
}
RESPONSES_REFRAMINGS: dict[str, Callable[[bytes], bytes]] = {
    "no_event_lines": no_event_lines,
    "done_appended": done_appended,
    "no_event_lines+done+crlf": lambda b: crlf(done_appended(no_event_lines(b))),
}


def _reframe_cases() -> list[Any]:
    cases = []
    for entry in STREAMS:
        table = dict(REFRAMINGS)
        if entry["api"] == "responses":
            table.update(RESPONSES_REFRAMINGS)
        for name in table:
            cases.append(pytest.param(entry, name, id=f"{_ids([entry])[0]}-{name}"))
    return cases


@pytest.mark.parametrize(("entry", "reframing"), _reframe_cases())
def test_legal_reframings_give_identical_events(entry: dict[str, Any], reframing: str) -> None:
    transform = {**REFRAMINGS, **RESPONSES_REFRAMINGS}[reframing]
    body = body_of(entry)
    reference = parse(entry)
    reframed = transform(body)
    for chunks in (whole(reframed), bytewise(reframed), random_split(reframed, 7)):
        got = parse_chunks(entry["api"], chunks)
        assert got.events == reference.events
        assert got.result == reference.result
        assert type(got.failure) is type(reference.failure)


# -- Responses: the server's own terminal object ------------------------------------------


def _sse_payloads(body: bytes) -> list[tuple[str, str]]:
    """A plain reading of LF-framed SSE: (event name, data) per blank-line-separated block."""
    out = []
    for block in body.decode("utf-8").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            out.append((name, "\n".join(data)))
    return out


def _terminal(body: bytes) -> dict[str, Any]:
    for _, data in reversed(_sse_payloads(body)):
        if data == "[DONE]":
            continue
        obj = json.loads(data)
        if obj.get("type") in ("response.completed", "response.incomplete", "response.failed"):
            return dict(obj)
    raise AssertionError("no terminal event")


def expected_from_response(response: dict[str, Any], kind: str) -> dict[str, Any]:
    text: list[str] = []
    reasoning: list[str] = []
    calls = []
    for item in response.get("output") or []:
        if item["type"] == "message":
            text += [p["text"] for p in item.get("content") or [] if p["type"] == "output_text"]
        elif item["type"] == "function_call":
            calls.append((item["call_id"], item["name"], item["arguments"]))
        elif item["type"] == "reasoning":
            reasoning += [p["text"] for p in item.get("summary") or [] if p.get("text")]
            reasoning += [p["text"] for p in item.get("content") or [] if p.get("text")]
    usage = response.get("usage")
    if kind == "response.completed":
        finish = "tool_calls" if calls else "stop"
    elif kind == "response.incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason")
        finish = "content_filter" if reason == "content_filter" else "length"
    else:
        finish = None
    return {
        "text": "".join(text),
        "reasoning": "\n\n".join(reasoning),
        "tool_calls": calls,
        "usage": None
        if usage is None
        else (
            usage["input_tokens"],
            usage["output_tokens"],
            usage["total_tokens"],
            usage["input_tokens_details"]["cached_tokens"],
            usage["output_tokens_details"]["reasoning_tokens"],
        ),
        "finish": finish,
        "id": response["id"],
        "model": response["model"],
    }


def summary(result: StreamResult) -> dict[str, Any]:
    u = result.usage
    return {
        "text": result.text,
        "reasoning": result.reasoning,
        "tool_calls": [(c.id, c.name, c.arguments) for c in result.tool_calls],
        "usage": None
        if u is None
        else (u.input_tokens, u.output_tokens, u.total_tokens, u.cached_tokens, u.reasoning_tokens),
        "finish": result.finish_reason,
        "id": result.response_id,
        "model": result.model,
    }


@pytest.mark.parametrize("entry", RESPONSES, ids=_ids(RESPONSES))
def test_responses_result_matches_terminal_object(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    terminal = _terminal(body)
    assert terminal["type"] == entry["terminal"]
    parsed = parse(entry)
    if terminal["type"] == "response.failed":
        assert isinstance(parsed.failure, errors.StreamError)
        return
    expected = expected_from_response(terminal["response"], terminal["type"])
    assert summary(parsed.result) == expected
    for call in parsed.result.tool_calls:
        assert call.error is None and call.args == json.loads(call.arguments)


@pytest.mark.parametrize("entry", RESPONSES, ids=_ids(RESPONSES))
def test_responses_terminal_object_alone_gives_the_same_result(entry: dict[str, Any]) -> None:
    """``events_from_object`` (the non-streaming path) on the terminal object agrees."""
    terminal = _terminal(body_of(entry))
    if terminal["type"] == "response.failed":
        return
    parsed = parse(entry)
    alone = events_from_object("responses", terminal["response"])
    assert alone.failure is None
    assert summary(alone.result) == summary(parsed.result)


def test_responses_non_stream_object_recording() -> None:
    """The web-search follow-up turn is a plain (non-stream) Responses object."""
    obj = json.loads(
        (WIRE / "resp__openai_gpt-5__web-search-builtin-tool__pydantic-ai__1.body").read_bytes()
    )
    parser = events_from_object("responses", obj)
    assert parser.failure is None
    assert summary(parser.result) == expected_from_response(obj, "response.completed")
    assert parser.result.text.strip()


# -- Chat Completions: an independent reference reader ------------------------------------

_CHAT_FINISH = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
}


def reference_chat(body: bytes) -> dict[str, Any]:
    """Read a Chat Completions stream the plain way, one chunk at a time, for choice 0."""
    text, reasoning, refusal = [], [], []
    calls: dict[Any, dict[str, Any]] = {}
    usage = None
    finish = None
    response_id = model = None
    error = None
    for event, data in _sse_payloads(body):
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        if event == "error" or chunk.get("error"):
            error = chunk.get("error") or chunk
            usage = chunk.get("usage") or usage
            break
        if chunk.get("id") and response_id is None:
            response_id, model = chunk["id"], chunk.get("model")
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str):
                text.append(content)
            elif isinstance(content, list):
                for part in content:
                    if part["type"] == "text":
                        text.append(part["text"])
                    elif part["type"] == "thinking":
                        reasoning += [t["text"] for t in part["thinking"]]
            if isinstance(delta.get("reasoning_content"), str):
                reasoning.append(delta["reasoning_content"])
            elif isinstance(delta.get("reasoning"), str):
                reasoning.append(delta["reasoning"])
            else:
                reasoning += [d.get("text") or "" for d in delta.get("reasoning_details") or []]
            if delta.get("refusal"):
                refusal.append(delta["refusal"])
            for tc in delta.get("tool_calls") or []:
                call = calls.setdefault(tc["index"], {"id": None, "name": None, "args": ""})
                call["id"] = call["id"] or tc.get("id")
                call["name"] = call["name"] or (tc.get("function") or {}).get("name")
                call["args"] += (tc.get("function") or {}).get("arguments") or ""
            if choice.get("finish_reason") and finish is None:
                finish = choice["finish_reason"]
    return {
        "text": "".join(text),
        "reasoning": "".join(reasoning),
        "refusal": "".join(refusal),
        "tool_calls": [(c["id"], c["name"], c["args"]) for c in calls.values()],
        "usage": None
        if usage is None
        else (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]),
        "finish": None if error else _CHAT_FINISH.get(finish or "", "other"),
        "id": response_id,
        "model": model,
        "error": None if error is None else error.get("message"),
    }


def chat_summary(parsed: Parsed) -> dict[str, Any]:
    r = parsed.result
    u = r.usage
    return {
        "text": r.text,
        "reasoning": r.reasoning,
        "refusal": r.refusal,
        "tool_calls": [(c.id, c.name, c.arguments) for c in r.tool_calls],
        "usage": None if u is None else (u.input_tokens, u.output_tokens, u.total_tokens),
        "finish": r.finish_reason,
        "id": r.response_id,
        "model": r.model,
        "error": None if parsed.failure is None else parsed.failure.message,
    }


@pytest.mark.parametrize("entry", CHATS, ids=_ids(CHATS))
def test_chat_result_matches_reference_reading(entry: dict[str, Any]) -> None:
    parsed = parse(entry)
    expected = reference_chat(body_of(entry))
    assert chat_summary(parsed) == expected
    for call in parsed.result.tool_calls:
        assert call.error is None and call.args == json.loads(call.arguments)


# Expectations read off the bytes of the recordings with quirks (values, not code).
CHAT_EXPECTATIONS: dict[str, dict[str, Any]] = {
    # index starts at 1 (Anthropic content-block index); empty arguments deltas; no usage.
    "chat__anthropic-compat-gateway_claude-haiku-4.5__tool-index-1__vercel-ai__0.body": {
        "text": "Reading it.",
        "tool_calls": [(0, "toolu_sanitized", "read_file", '{"path": "a.txt"}')],
        "usage": None,
        "finish": ("tool_calls", "tool_calls"),
    },
    # Same id on every argument chunk; cumulative usage on every chunk (report the last).
    "chat__baseten_glm-5.2__tool-after-text__lingua.response-streaming__0.body": {
        "text": "I'm about to look up the weather for San Francisco, CA.",
        "tool_calls": [
            (
                0,
                "chatcmpl-tool-2c8bed1bd34a42d7b230b4a212539a15",
                "get_weather",
                '{"location": "San Francisco, CA"}',
            )
        ],
        "usage": (201, 27, 228, 32, 0),
        "finish": ("tool_calls", "tool_calls"),
        "usage_events": 1,
    },
    # No [DONE]: the finish chunk plus end of body is a normal end. Both calls in one chunk.
    "chat__cerebras_qwen-3-coder__parallel-tools-no-DONE__fantasy__0.body": {
        "tool_calls": [
            (0, "ab8048658", "add", '{"a": 2, "b": 3}'),
            (1, "b249e0b3f", "multiply", '{"a": 2, "b": 3}'),
        ],
        "usage": (408, 59, 467, 0, None),
        "finish": ("tool_calls", "tool_calls"),
    },
    "chat__hf-router-cerebras_llama-3.3-70b__length-no-DONE__huggingface_hub__1.body": {
        "usage": (46, 20, 66, None, None),
        "finish": ("length", "length"),
    },
    # `event: error` after reasoning deltas: StreamError, partial keeps the reasoning.
    "chat__groq_gpt-oss-120b__event-error-tool_use_failed__pydantic-ai__0.body": {
        "text": "",
        "reasoning_startswith": "We need to call the tool with invalid parameters first",
        "tool_calls": [],
        "error": ("tool_use_failed", "invalid_request_error"),
    },
    # finish_reason length, then a top-level error object: StreamError wins over the finish.
    "chat__openrouter_minimax-m2__midstream-error+length__pydantic-ai__0.body": {
        "reasoning": "We need to respond to a greeting. The user",
        "error": ("400", None),
        "usage": (43, 10, 53, 0, 11),
    },
    # n=3: only choice 0 feeds the text (each choice is a complete JSON object).
    "chat__openai_gpt-4o__n3-multiple-choices__openai-python__0.body": {
        "text": '{"city":"San Francisco","temperature":65,"units":"f"}',
        "finish": ("stop", "stop"),
    },
    # Mistral: delta.content as a list with {type: thinking} parts -> reasoning.
    "chat__mistral_magistral__content-array-thinking__pydantic-ai__0.body": {
        "reasoning_startswith": "Okay, the user is asking how to cross the street.",
        "text_startswith": "To cross the street safely, follow these steps:",
        "usage": (10, 232, 242, None, None),
    },
    "chat__openai_gpt-4o__refusal__openai-python__0.body": {
        "text": "",
        "refusal": "I'm sorry, I can't assist with that request.",
        "finish": ("stop", "stop"),
    },
    # Azure: first chunk has choices [] and id ''/model '' (prompt_filter_results).
    "chat__azure-openai_gpt-4o-mini__content-filter__dd-trace-py__0.body": {
        "id": "chatcmpl-BuBnK8LTKUtp70pLip5ZGv7HUzYPj",
        "model": "gpt-4o-mini-2024-07-18",
        "finish": ("stop", "stop"),
        "usage": None,
    },
    "chat__azure-openai_gpt-5-mini__latency_checkpoint+sorted-keys__fantasy__0.body": {
        "id": "chatcmpl-DuLYkWnz0OixBh4yGRX57RgoH5wVP",
        "text": "Oi!",
        "usage": (19, 76, 95, 0, 64),
    },
    # Together: usage.cached_tokens at the top level of usage; choices[].text duplicates.
    "chat__together_llama-3.3-70b__token_id__openinference__0.body": {
        "text": "1, 2, 3, 4, 5.",
        "usage": (41, 15, 56, 0, None),
        "finish": ("stop", "stop"),
    },
    # Gemini through Vercel's gateway: short ids, provider_metadata, extra chunks after finish.
    "chat__vercel-gateway_gemini-3-pro__parallel-tools__fantasy__0.body": {
        "tool_calls": [
            (0, "WQuZA7oD8t6sGOrb", "add", '{"a":2,"b":3}'),
            (1, "pJnoRXDGFYDYCXIg", "multiply", '{"a":2,"b":3}'),
        ],
        "usage": (57, 18, 75, 0, 95),
        "finish": ("tool_calls", "tool_calls"),
    },
    # DeepSeek: reasoning_content then a tool call split into tiny pieces; cache-hit usage.
    "chat__deepseek_reasoner__reasoning+tool-call__vercel-ai.chunks__0.body": {
        "reasoning_startswith": "The user is asking for the weather in San Francisco.",
        "tool_calls": [
            (0, "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF", "weather", '{"location": "San Francisco"}')
        ],
        "usage": (339, 83, 422, 320, 39),
        "finish": ("tool_calls", "tool_calls"),
    },
    "chat__openai_gpt-4o__json_schema__openai-python__0.body": {
        "text": '{"city":"San Francisco","temperature":61,"units":"f"}',
        "usage": (79, 14, 93, None, 0),
    },
    "chat__openai_gpt-4o__logprobs__openai-python__0.body": {
        "text": "Foo!",
        "usage": (9, 2, 11, None, 0),
    },
    # OpenRouter: reasoning and reasoning_details carry the same text: not doubled.
    "chat__openrouter_claude-sonnet-4.5__reasoning__pydantic-ai__0.body": {
        "reasoning": "This is a simple arithmetic question. 2+2 equals 4.",
        "text": "2 + 2 = 4",
    },
    # Encrypted reasoning_details (thought signatures) are not reasoning text.
    "chat__openrouter_gemini-3.1-flash-lite__parallel-tools__fantasy__0.body": {
        "reasoning": "",
        "tool_calls": [
            (0, "tool_add_kZJN6iFNozVOBiXBMA2Y", "add", '{"a":2,"b":3}'),
            (1, "tool_multiply_7Pq02EcannPbKks8kXlA", "multiply", '{"a":2,"b":3}'),
        ],
    },
    # xAI reports completion_tokens without reasoning tokens; we report the wire's numbers.
    "chat__xai_grok-3-mini__reasoning_content+tool__fantasy__0.body": {
        "usage": (288, 27, 628, 287, 313),
        "tool_calls": [(0, "call_45048949", "weather", '{"location":"Florence, Italy"}')],
    },
    # Groq: usage both standard and in x_groq; reported once.
    "chat__groq_kimi-k2__parallel-tools__fantasy__0.body": {
        "usage": (201, 58, 259, None, None),
        "usage_events": 1,
    },
}


@pytest.mark.parametrize("name", sorted(CHAT_EXPECTATIONS))
def test_chat_quirk_expectations(name: str) -> None:
    entry = next(e for e in CHATS if e["file"] == name)
    parsed = parse(entry)
    r = parsed.result
    want = CHAT_EXPECTATIONS[name]
    for key in ("text", "reasoning", "refusal"):
        if key in want:
            assert getattr(r, key) == want[key], key
        if f"{key}_startswith" in want:
            assert getattr(r, key).startswith(want[f"{key}_startswith"]), key
    if "tool_calls" in want:
        assert [(c.index, c.id, c.name, c.arguments) for c in r.tool_calls] == want["tool_calls"]
    if "usage" in want:
        u = r.usage
        got = (
            None
            if u is None
            else (
                u.input_tokens,
                u.output_tokens,
                u.total_tokens,
                u.cached_tokens,
                u.reasoning_tokens,
            )
        )
        assert got == want["usage"]
    if "finish" in want:
        assert (r.finish_reason, r.raw_finish_reason) == want["finish"]
    if "id" in want:
        assert r.response_id == want["id"]
    if "model" in want:
        assert r.model == want["model"]
    if "usage_events" in want:
        assert sum(e.kind == "usage" for e in parsed.events) == want["usage_events"]
    if "error" in want:
        failure = parsed.failure
        assert isinstance(failure, errors.StreamError)
        assert (failure.code, failure.type) == want["error"]
        assert failure.partial is not None and failure.partial.reasoning == r.reasoning
        assert failure.output_received
    else:
        assert parsed.failure is None


# -- error bodies ----------------------------------------------------------------------------

ERROR_EXPECTATIONS: dict[str, tuple[type[errors.APIStatusError], str | None, str | None, str]] = {
    "err__groq-chat__400-tool_use_failed__pydantic-ai__0.body": (
        errors.BadRequestError,
        "tool_use_failed",
        None,
        "Tool call validation failed",
    ),
    "err__openai-chat__401-invalid-key__openinference__0.body": (
        errors.AuthenticationError,
        "invalid_api_key",
        None,
        "Incorrect API key provided",
    ),
    "err__openai-chat__404-model_not_found__otel-contrib__0.body": (
        errors.ModelNotFoundError,
        "model_not_found",
        None,
        "The model `this-model-does-not-exist` does not exist",
    ),
    "err__openai-responses__400-invalid-temperature__pydantic-ai__0.body": (
        errors.BadRequestError,
        "decimal_below_min_value",
        "temperature",
        "Invalid 'temperature': decimal below minimum value.",
    ),
    "err__openai-responses__401-invalid-key__dd-trace-py__0.body": (
        errors.AuthenticationError,
        "invalid_api_key",
        None,
        "Incorrect API key provided",
    ),
    "err__openrouter-chat__429-provider-ratelimit__pydantic-ai__0.body": (
        errors.RateLimitError,
        "429",
        None,
        "Provider returned error",
    ),
    "err__openrouter-chat__429-provider-ratelimit__pydantic-ai__1.body": (
        errors.RateLimitError,
        "429",
        None,
        "Provider returned error",
    ),
    "err__openrouter-chat__429-provider-ratelimit__pydantic-ai__2.body": (
        errors.RateLimitError,
        "429",
        None,
        "Provider returned error",
    ),
}


def test_every_error_recording_has_an_expectation() -> None:
    assert sorted(e["file"] for e in ERRORS) == sorted(ERROR_EXPECTATIONS)


@pytest.mark.parametrize("entry", ERRORS, ids=_ids(ERRORS))
def test_error_bodies_map_to_typed_errors(entry: dict[str, Any]) -> None:
    cls, code, param, message = ERROR_EXPECTATIONS[entry["file"]]
    headers = httpx.Headers({"content-type": "application/json", "x-request-id": "req_123"})
    err = status_error(entry["status"], headers, body_of(entry))
    assert type(err) is cls
    assert isinstance(err, errors.LemonDataError)
    assert err.status_code == entry["status"]
    assert err.code == code and (err.code is None or isinstance(err.code, str))
    assert err.param == param
    assert err.message.startswith(message)
    assert err.request_id == "req_123"
    assert err.type == ("invalid_request_error" if "openrouter" not in entry["file"] else None)
    assert err.retryable is (entry["status"] == 429)
    assert str(entry["status"]) in str(err)


def test_groq_follow_up_answers_are_plain_completions() -> None:
    """The 200 answers in the Groq error cassette are non-stream chat completions."""
    one = json.loads(
        (WIRE / "err__groq-chat__400-tool_use_failed__pydantic-ai__1.body").read_bytes()
    )
    parser = events_from_object("chat", one)
    r = parser.result
    assert parser.failure is None
    assert r.reasoning.startswith("We need to call with correct param")
    assert [(c.id, c.name, c.args) for c in r.tool_calls] == [
        ("fc_311ba17b-89f9-48d3-8fd9-7e74a1264855", "get_something_by_name", {"name": "test"})
    ]
    assert r.finish_reason == "tool_calls"
    assert r.usage is not None and r.usage.output_tokens == one["usage"]["completion_tokens"]

    two = json.loads(
        (WIRE / "err__groq-chat__400-tool_use_failed__pydantic-ai__2.body").read_bytes()
    )
    parser = events_from_object("chat", two)
    assert parser.failure is None
    assert parser.result.text == two["choices"][0]["message"]["content"]
    assert parser.result.reasoning == two["choices"][0]["message"]["reasoning"]
    assert parser.result.finish_reason == "stop"
    assert parser.result.tool_calls == []
