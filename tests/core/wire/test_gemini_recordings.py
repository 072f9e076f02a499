"""Every recorded Gemini stream in ``tests/recordings/gemini/wire`` through the pure parser.

Each streamed 200 body (SSE or JSON array) is parsed whole, byte by byte, at seeded random
split points and under legal re-framings (LF instead of CRLF, the SSE re-framings of
``test_recordings``, an SSE body as the JSON array the same endpoint answers without
``alt=sse``, and back); every variant must give the identical events and pass the invariant
checker. Results are compared with a reference reader written here (plain ``json.loads`` of
each chunk), then with expectations read off the bytes for the recordings with quirks. The
error bodies go through the one error reader.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lemon_adapters.core import errors
from lemon_adapters.core.errors import api_error
from lemon_adapters.core.events import (
    BlockDone,
    Citation,
    ServerToolCall,
    ServerToolResult,
    ToolCallDelta,
)
from lemon_adapters.core.wire.parser import StreamParser
from tests.conftest import RECORDINGS
from tests.core.wire.test_recordings import (
    REFRAMINGS,
    Parsed,
    bytewise,
    parse_chunks,
    random_split,
    whole,
)
from tests.invariants import check_invariants

WIRE = RECORDINGS / "gemini" / "wire"
INDEX: list[dict[str, Any]] = json.loads((WIRE / "index.json").read_text())
STREAMS = [e for e in INDEX if e.get("stream") and e["status"] == 200]
ERRORS = [e for e in INDEX if e["status"] >= 400]


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["file"].removesuffix(".body") for e in entries]


def body_of(entry: dict[str, Any]) -> bytes:
    return (WIRE / entry["file"]).read_bytes()


def entry_named(fragment: str, interaction: int = 0) -> dict[str, Any]:
    [entry] = [e for e in INDEX if fragment in e["file"] and e["interaction"] == interaction]
    return entry


def parse(entry: dict[str, Any], body: bytes | None = None) -> Parsed:
    parsed = parse_chunks("gemini", whole(body_of(entry) if body is None else body))
    check_invariants(parsed.events, finished=parsed.failure is None)
    return parsed


def test_the_index_holds_28_streams_one_answer_and_7_error_bodies() -> None:
    assert len(STREAMS) == 28
    assert sum(e["framing"] == "json-array" for e in STREAMS) == 4
    assert [e["framing"] for e in INDEX if e["status"] == 200 and not e["stream"]] == ["json"]
    assert len(ERRORS) == 7
    assert {e["api"] for e in INDEX} == {"gemini"}


# -- chunking and framing ---------------------------------------------------------------------


@pytest.mark.parametrize("entry", STREAMS, ids=_ids(STREAMS))
def test_any_chunking_gives_identical_events(entry: dict[str, Any]) -> None:
    body = body_of(entry)
    reference = parse(entry)
    assert reference.failure is None, reference.failure
    assert reference.result.finish_reason is not None
    variants = {"bytewise": bytewise(body)}
    for seed in range(5):
        variants[f"random{seed}"] = random_split(body, seed)
    for name, chunks in variants.items():
        assert b"".join(chunks) == body
        got = parse_chunks("gemini", chunks)
        assert got.events == reference.events, name
        assert got.result == reference.result, name
        assert got.failure is None, name
        check_invariants(got.events)


def payloads(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's response objects, read the plain way (SSE ``data:`` or array elements)."""
    body = body_of(entry)
    if entry["framing"] == "json-array":
        return list(json.loads(body))
    text = body.decode("utf-8").replace("\r\n", "\n")
    return [json.loads(block[len("data: ") :]) for block in text.split("\n\n") if block.strip()]


def lf(body: bytes) -> bytes:
    return body.replace(b"\r\n", b"\n")


def as_sse(objects: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(o).encode() + b"\r\n\r\n" for o in objects)


def as_array(objects: list[dict[str, Any]]) -> bytes:
    """The pretty-printed array the endpoint answers without ``alt=sse``."""
    return ("[" + "\n,\r\n".join(json.dumps(o, indent=2) for o in objects) + "]").encode()


def _sse_variants(entry: dict[str, Any]) -> dict[str, bytes]:
    objects = payloads(entry)
    if entry["framing"] == "json-array":
        sse = lf(as_sse(objects))
        variants = {"as_sse": sse, "compact_array": json.dumps(objects).encode()}
    else:
        sse = lf(body_of(entry))
        variants = {"lf": sse, "as_array": as_array(objects)}
    for name, reframe in REFRAMINGS.items():
        variants[name] = reframe(sse)
    return variants


def _reframe_cases() -> list[Any]:
    return [
        pytest.param(entry, name, id=f"{_ids([entry])[0]}-{name}")
        for entry in STREAMS
        for name in _sse_variants(entry)
    ]


@pytest.mark.parametrize(("entry", "reframing"), _reframe_cases())
def test_legal_reframings_give_identical_events(entry: dict[str, Any], reframing: str) -> None:
    reference = parse(entry)
    reframed = _sse_variants(entry)[reframing]
    for chunks in (whole(reframed), bytewise(reframed), random_split(reframed, 7)):
        got = parse_chunks("gemini", chunks)
        assert got.events == reference.events
        assert got.result == reference.result
        assert got.failure is None
        check_invariants(got.events)


# -- an independent reference reader ---------------------------------------------------------

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter"}
_FINISH.update({"RECITATION": "content_filter", 1: "stop"})


def reference_gemini(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Candidate 0's parts folded the plain way: text and thoughts joined, calls as sent
    (streamed ones rebuilt from their partialArgs), the last usage snapshot with counts."""
    text: list[str] = []
    thoughts: list[str] = []
    calls: list[dict[str, Any]] = []
    signatures: list[str] = []
    usage: dict[str, Any] = {}
    finish = None
    streaming: dict[str, Any] | None = None
    for obj in objects:
        if any(k.endswith("TokenCount") for k in obj.get("usageMetadata", {})):
            usage = obj["usageMetadata"]
        for cand in obj.get("candidates", [])[:1]:
            finish = cand.get("finishReason", finish)
            for part in cand.get("content", {}).get("parts", []):
                if "thoughtSignature" in part:
                    signatures.append(part["thoughtSignature"])
                if "text" in part:
                    (thoughts if part.get("thought") else text).append(part["text"])
                call = part.get("functionCall")
                if call is None:
                    continue
                if "name" in call:
                    streaming = None
                    calls.append({"name": call["name"], "id": call.get("id"), "args": {}})
                    calls[-1]["args"].update(call.get("args") or {})
                    if call.get("willContinue"):
                        streaming = calls[-1]
                for arg in call.get("partialArgs", []):
                    assert streaming is not None
                    key = arg["jsonPath"].removeprefix("$.")
                    streaming["args"][key] = streaming["args"].get(key, "") + arg["stringValue"]
    inp = usage.get("promptTokenCount", 0) + usage.get("toolUsePromptTokenCount", 0)
    out = usage.get("candidatesTokenCount", 0) + usage.get("thoughtsTokenCount", 0)
    return {
        "text": "".join(text),
        "reasoning": "".join(thoughts),
        "calls": [(c["name"], c["id"], c["args"]) for c in calls],
        "signatures": signatures,
        "usage": (inp, out, usage.get("thoughtsTokenCount"), usage.get("cachedContentTokenCount")),
        "finish": finish,
    }


def summary(parsed: Parsed) -> dict[str, Any]:
    r = parsed.result
    u = r.usage
    assert u is not None
    blocks = [e for e in parsed.events if isinstance(e, BlockDone)]
    return {
        "text": r.text,
        # Thought parts are paragraphs apart in the reasoning; the reference joins them bare.
        "reasoning": "".join(_thought_texts(parsed)),
        "calls": [
            (c.name, None if c.id and c.id.startswith("gemini_call_") else c.id, c.args)
            for c in r.tool_calls
        ],
        "signatures": [b.signature for b in blocks if b.signature],
        "usage": (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens),
        "finish": r.raw_finish_reason,
    }


def _thought_texts(parsed: Parsed) -> list[str]:
    return [
        b.block["text"] for b in parsed.events if isinstance(b, BlockDone) and b.type == "thinking"
    ]


ANSWERED = [e for e in STREAMS if "blockReason" not in e["file"]]


@pytest.mark.parametrize("entry", ANSWERED, ids=_ids(ANSWERED))
def test_result_matches_the_reference_reading(entry: dict[str, Any]) -> None:
    parsed = parse(entry)
    ref = reference_gemini(payloads(entry))
    got = summary(parsed)
    ref["finish"] = {1: "STOP"}.get(ref["finish"], ref["finish"])
    assert got == ref
    assert parsed.result.finish_reason == (
        "tool_calls" if ref["calls"] and ref["finish"] == "STOP" else _FINISH[ref["finish"]]
    )


def test_the_non_streamed_answer_maps_like_a_stream() -> None:
    answer = json.loads(body_of(entry_named("google_search-grounding", 1)))
    alone = StreamParser("gemini")
    events = alone.feed_json(answer)
    check_invariants(events)
    assert alone.failure is None
    assert alone.result.text.startswith("### Scattered Thunderstorms")
    assert any(isinstance(e, Citation) for e in events)
    assert alone.result.usage is not None and alone.result.usage.input_tokens == 568
    # The same bytes streamed as one JSON object body give the same events.
    streamed = parse_chunks("gemini", [body_of(entry_named("google_search-grounding", 1))])
    assert streamed.events == events


# -- the quirks, named -------------------------------------------------------------------------


def test_a_stop_in_the_middle_does_not_end_reading() -> None:
    parsed = parse(entry_named("midstream-STOP"))
    assert parsed.result.text == "The result is -428,330,955.97745."
    calls = [e for e in parsed.events if isinstance(e, ServerToolCall)]
    results = [e for e in parsed.events if isinstance(e, ServerToolResult)]
    assert [c.name for c in calls] == ["code_execution", "code_execution"]
    assert calls[1].arguments["code"].startswith("# Calculate the expression")
    assert [r.status for r in results] == ["success", "success"]
    assert results[0].output == "-428330955.97745\n"
    usage = parsed.result.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens) == (46 + 901, 132 + 396)


def test_code_execution_ids_and_signatures_stay_on_their_parts() -> None:
    entry = entry_named("code-execution+signature")
    parsed = parse(entry)
    [call] = [e for e in parsed.events if isinstance(e, ServerToolCall)]
    [result] = [e for e in parsed.events if isinstance(e, ServerToolResult)]
    assert call.id == result.call_id == "8xju7mua"
    blocks = [e for e in parsed.events if isinstance(e, BlockDone)]
    # (The empty text part beside the code carries nothing: no block.)
    assert [b.type for b in blocks] == [
        "server_tool_call",
        "server_tool_result",
        "text",
        "text",
    ]
    sent = [p for o in payloads(entry) for p in o["candidates"][0]["content"]["parts"]]
    assert blocks[0].block == sent[0]  # the executableCode part, signature and all
    # The trailing empty text part keeps its own signature.
    assert blocks[-1].block == {"text": "", "thoughtSignature": sent[-1]["thoughtSignature"]}
    assert parsed.result.text == "".join(p.get("text", "") for p in sent)


def test_thought_parts_are_reasoning_and_the_signature_rides_the_first_answer_part() -> None:
    entry = entry_named("thought-parts-include_thoughts")
    parsed = parse(entry)
    blocks = [e for e in parsed.events if isinstance(e, BlockDone)]
    assert [b.type for b in blocks] == ["thinking", "text"]
    assert blocks[0].block["thought"] is True and blocks[0].signature is None
    assert blocks[1].signature is not None
    assert blocks[1].block == {"text": parsed.result.text, "thoughtSignature": blocks[1].signature}
    assert parsed.result.reasoning == blocks[0].block["text"]
    usage = parsed.result.usage
    assert usage is not None and usage.reasoning_tokens is not None
    assert usage.output_tokens > usage.reasoning_tokens


def test_parallel_calls_in_one_chunk_keep_the_one_signature_on_the_first() -> None:
    parsed = parse(entry_named("parallel-tools+finishMessage"))
    assert [(c.name, c.args) for c in parsed.result.tool_calls] == [
        ("add", {"a": 2, "b": 3}),
        ("multiply", {"a": 2, "b": 3}),
    ]
    blocks = [e for e in parsed.events if isinstance(e, BlockDone)]
    assert [(b.type, b.tool_call_index, b.signature is not None) for b in blocks] == [
        ("tool_call", 0, True),
        ("tool_call", 1, False),
    ]
    # No API id: the calls get ids of ours, distinct, never sent back as ids.
    assert [c.id for c in parsed.result.tool_calls] == ["gemini_call_0", "gemini_call_1"]


def test_parallel_calls_in_separate_chunks_with_api_ids() -> None:
    parsed = parse(entry_named("parallel-tools-with-ids"))
    assert [(c.id, c.args) for c in parsed.result.tool_calls] == [
        ("dv8szvqe", {"location": "Boston"}),
        ("j80tal12", {"location": "New Delhi"}),
    ]
    assert parsed.result.finish_reason == "tool_calls"


def test_streamed_arguments_by_json_path() -> None:
    entry = entry_named("partialArgs-noarg-tools")
    parsed = parse(entry)
    assert [(c.name, c.arguments) for c in parsed.result.tool_calls] == [
        ("read_theme", "{}"),
        ("read_screen", '{"id": "A"}'),
        ("read_screen", '{"id": "B"}'),
        ("read_screen", '{"id": "C"}'),
    ]
    deltas = [e for e in parsed.events if isinstance(e, ToolCallDelta)]
    # A streamed call names itself first, its arguments come when it ends.
    assert (deltas[1].name, deltas[1].arguments) == ("read_screen", "")
    assert (deltas[2].name, deltas[2].arguments) == (None, '{"id": "A"}')
    blocks = [e.block for e in parsed.events if isinstance(e, BlockDone)]
    assert blocks[1]["functionCall"] == {"name": "read_theme"}
    assert blocks[1]["thoughtSignature"].startswith("AY89a18a")
    assert blocks[2] == {"functionCall": {"name": "read_screen", "args": {"id": "A"}}}


def test_grounding_is_a_search_call_its_sources_and_citations_at_character_offsets() -> None:
    parsed = parse(entry_named("google_search-grounding"))
    [call] = [e for e in parsed.events if isinstance(e, ServerToolCall)]
    [result] = [e for e in parsed.events if isinstance(e, ServerToolResult)]
    assert (call.name, call.arguments) == (
        "google_search",
        {"queries": ["weather in San Francisco today"]},
    )
    assert [c["web"]["title"] for c in result.output][1:] == [
        "timeanddate.com",
        "weather.gov",
        "wunderground.com",
        "accuweather.com",
    ]
    citations = [e for e in parsed.events if isinstance(e, Citation)]
    assert len(citations) == 9  # 8 supports, one of them citing two sources
    text = parsed.result.text
    for citation in citations:
        assert citation.start is not None and citation.end is not None
        assert text[citation.start : citation.end] == citation.cited_text
        assert citation.url and citation.url.startswith("https://")


def test_citation_metadata_and_recitation() -> None:
    parsed = parse(entry_named("RECITATION-redacted"))
    assert (parsed.result.finish_reason, parsed.result.raw_finish_reason) == (
        "content_filter",
        "RECITATION",
    )
    citations = [e for e in parsed.events if isinstance(e, Citation)]
    assert all(c.provider_type == "citationMetadata" for c in citations)
    assert [c.url for c in citations].count("https://uc-r.github.io/tidy_text") == 1
    assert len(citations) == 10  # one per source, each chunk naming new ones
    # The texts were replaced by the SDK authors (SEMI-REAL), so the byte offsets point past
    # the answer: they are not turned into character offsets of another text.
    assert all(c.start is None and c.end is None for c in citations)


def test_a_blocked_prompt_finishes_as_such() -> None:
    parsed = parse(entry_named("blockReason-SAFETY"))
    assert parsed.failure is None
    assert (parsed.result.finish_reason, parsed.result.raw_finish_reason) == (
        "content_filter",
        "prompt_blocked:SAFETY",
    )
    assert parsed.result.text == "" and parsed.result.usage is None


def test_safety_and_max_tokens() -> None:
    assert parse(entry_named("SAFETY-text-redacted")).result.finish_reason == "content_filter"
    result = parse(entry_named("MAX_TOKENS")).result
    assert (result.finish_reason, result.raw_finish_reason) == ("length", "MAX_TOKENS")


def test_integer_enums_keep_the_reason_by_name() -> None:
    for fragment in ("json-array-enum-int__langchaingo", "json-array-enum-int__openinference"):
        result = parse(entry_named(fragment)).result
        assert (result.finish_reason, result.raw_finish_reason) == ("stop", "STOP")


def test_a_part_less_content_and_inline_image_data() -> None:
    parsed = parse(entry_named("content-without-parts+inlineData"))
    [image] = [e for e in parsed.events if isinstance(e, BlockDone) and e.type == "other"]
    data = image.block["inlineData"]
    assert data["mimeType"] == "image/png"
    assert base64.b64decode(data["data"]).startswith(b"\x89PNG")


def test_signatures_are_kept_byte_for_byte() -> None:
    for entry in STREAMS:
        sent = [
            p["thoughtSignature"]
            for o in payloads(entry)
            for c in o.get("candidates", [])[:1]
            for p in c.get("content", {}).get("parts", [])
            if "thoughtSignature" in p
        ]
        parsed = parse(entry)
        kept = [e.signature for e in parsed.events if isinstance(e, BlockDone) and e.signature]
        assert kept == sent, entry["file"]


def test_truncated_and_error_elements() -> None:
    body = lf(body_of(entry_named("text-3-chunks")))
    cut = body[: body.rindex(b"data: ")]
    got = parse_chunks("gemini", [cut])
    assert isinstance(got.failure, errors.IncompleteStreamError)
    assert got.failure.partial is not None and got.failure.partial.text == "The capital of France"
    error = b'data: {"error": {"code": 500, "message": "boom", "status": "INTERNAL"}}\n\n'
    got = parse_chunks("gemini", [cut, error])
    assert isinstance(got.failure, errors.StreamError)
    assert "boom" in str(got.failure) and got.failure.retryable is True
    assert got.failure.partial is not None and got.failure.partial.text == "The capital of France"
    denied = b'data: {"error": {"code": 400, "message": "no", "status": "INVALID_ARGUMENT"}}\n\n'
    failure = parse_chunks("gemini", [denied]).failure
    assert isinstance(failure, errors.StreamError) and failure.retryable is False
    got = parse_chunks("gemini", [b"[", b'{"candidates": [] }', b",{"])
    assert isinstance(got.failure, errors.IncompleteStreamError)
    got = parse_chunks("gemini", [b'[{"a": 1}] x'])
    assert isinstance(got.failure, errors.MalformedStreamError)


def test_a_part_with_a_wrong_type_is_malformed() -> None:
    bad = b'data: {"candidates": [{"content": {"parts": [{"text": 5}]}}]}\n\n'
    assert isinstance(parse_chunks("gemini", [bad]).failure, errors.MalformedStreamError)


# -- errors ------------------------------------------------------------------------------------

EXPECTED_ERRORS: dict[str, tuple[type[errors.APIStatusError], bool]] = {
    "400-API_KEY_INVALID": (errors.AuthenticationError, False),
    "403-PERMISSION_DENIED": (errors.PermissionDeniedError, False),
    "404-NOT_FOUND": (errors.ModelNotFoundError, False),
    "429-RESOURCE_EXHAUSTED": (errors.RateLimitError, True),
}


@pytest.mark.parametrize("entry", ERRORS, ids=_ids(ERRORS))
def test_error_bodies_map_to_typed_errors(entry: dict[str, Any]) -> None:
    [(cls, retryable)] = [v for k, v in EXPECTED_ERRORS.items() if k in entry["file"]]
    # Answered to an alt=sse request with an event-stream content type: still that error.
    headers = {"content-type": "text/event-stream"}
    exc = api_error(entry["status"], headers, body_of(entry))
    assert type(exc) is cls
    assert exc.retryable is retryable
    assert exc.status_code == entry["status"]
    body = json.loads(body_of(entry))
    assert body["error"]["message"] in str(exc)
    assert exc.type == body["error"]["status"]


def test_retry_info_delay_is_honoured() -> None:
    body = json.loads(body_of(entry_named("429-RESOURCE_EXHAUSTED")))
    body["error"]["details"].append(
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38.5s"}
    )
    exc = api_error(429, {}, json.dumps(body).encode())
    assert type(exc) is errors.RateLimitError
    assert exc.retry_after == 38.5
    assert api_error(429, {"retry-after": "3"}, json.dumps(body).encode()).retry_after == 3


@pytest.mark.parametrize(
    ("status", "google_status", "message", "cls"),
    [
        # Vertex AI's wording for an unknown model (from its documentation, not recorded).
        (
            404,
            "NOT_FOUND",
            "Publisher Model `projects/p/locations/us-central1/publishers/google/models/"
            "gemini-x` was not found or your project does not have access to it.",
            errors.ModelNotFoundError,
        ),
        (404, "NOT_FOUND", "cachedContents/abc is not found", errors.NotFoundError),
        (503, "UNAVAILABLE", "The model is overloaded.", errors.InternalServerError),
        (500, "INTERNAL", "An internal error has occurred.", errors.InternalServerError),
    ],
)
def test_google_error_shapes_beyond_the_recordings(
    status: int, google_status: str, message: str, cls: type[errors.APIStatusError]
) -> None:
    body = {"error": {"code": status, "message": message, "status": google_status, "details": []}}
    exc = api_error(status, {}, json.dumps(body).encode())
    assert type(exc) is cls
    assert exc.retryable is (status >= 500)
    assert exc.type == google_status


def test_only_candidate_0_is_the_answer() -> None:
    def chunk(*candidates: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps({"candidates": list(candidates)}).encode() + b"\n\n"

    def text(index: int, value: str, **more: Any) -> dict[str, Any]:
        return {"index": index, "content": {"parts": [{"text": value}]}, **more}

    body = chunk(text(1, "no"), text(0, "yes")) + chunk(text(1, "!", finishReason="STOP"))
    body += chunk(text(0, " indeed", finishReason="STOP"))
    got = parse_chunks("gemini", [body])
    assert got.failure is None
    assert got.result.text == "yes indeed"
    assert got.parser.mapper.ignored == {"candidate": 2}  # type: ignore[union-attr]
