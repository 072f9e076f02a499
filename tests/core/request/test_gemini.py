"""Gemini request bodies from the neutral (Chat Completions-shaped) input, and the recorded
two-turn tool loops rebuilt from their first answers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.build import build_body, request_of
from tests.core.wire.test_gemini_recordings import body_of, entry_named
from tests.parsing import parse_body

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CHAT_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather now", "parameters": SCHEMA},
}
PNG = "data:image/png;base64,iVBORw0KGgo="


def body(**kw: Any) -> dict[str, Any]:
    return build_body(
        "gemini",
        model=kw.pop("model", "gemini-2.5-flash"),
        messages=kw.pop("messages", [{"role": "user", "content": "hi"}]),
        params=kw.pop("params", None),
        **kw,
    )


def call(tool_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"id": tool_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_minimal_body_has_no_model_or_stream_fields() -> None:
    assert body() == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def test_system_turns_tools_and_results() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Rome?"}]},
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [call("c1", "get_weather", '{"city": "Rome"}')],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "22C"},
        {"role": "tool", "tool_call_id": "c1", "content": "boom", "is_error": True},
    ]
    got = body(messages=messages, tools=[CHAT_TOOL], tool_choice="get_weather")
    assert got["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert got["contents"] == [
        {"role": "user", "parts": [{"text": "Rome?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Looking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}, "id": "c1"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "name": "get_weather",
                        "response": {"output": "22C"},
                        "id": "c1",
                    }
                },
                {
                    "functionResponse": {
                        "name": "get_weather",
                        "response": {"error": "boom"},
                        "id": "c1",
                    }
                },
            ],
        },
    ]
    assert got["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather now",
                    "parametersJsonSchema": SCHEMA,
                }
            ]
        }
    ]
    assert got["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }


@pytest.mark.parametrize(
    ("choice", "mode"),
    [("auto", "AUTO"), ("none", "NONE"), ("required", "ANY"), (True, "ANY"), ("any", "ANY")],
)
def test_tool_choice_modes(choice: Any, mode: str) -> None:
    got = body(tools=[CHAT_TOOL], tool_choice=choice)
    assert got["toolConfig"] == {"functionCallingConfig": {"mode": mode}}


def test_native_tools_pass_through_beside_functions() -> None:
    got = body(tools=[CHAT_TOOL, {"googleSearch": {}}, {"codeExecution": {}}])
    assert got["tools"][1:] == [{"googleSearch": {}}, {"codeExecution": {}}]
    assert body(tools=[{"googleSearch": {}}])["tools"] == [{"googleSearch": {}}]


def test_generation_config_structured_output_and_thinking() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "W", "schema": SCHEMA}}
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 20,
        "max_tokens": 100,
        "stop": "END",
        "seed": 7,
        "response_format": fmt,
        "thinking": {"includeThoughts": True, "thinkingBudget": 128},
    }
    assert body(params=params)["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "topK": 20,
        "maxOutputTokens": 100,
        "stopSequences": ["END"],
        "seed": 7,
        "responseMimeType": "application/json",
        "responseJsonSchema": SCHEMA,
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 128},
    }
    anthropic = {"thinking": {"type": "enabled", "budget_tokens": 2000}}
    assert body(params=anthropic)["generationConfig"] == {
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 2000}
    }
    assert body(params={"reasoning_effort": "low"})["generationConfig"] == {
        "thinkingConfig": {"thinkingLevel": "low"}
    }


def test_media_as_inline_and_file_data() -> None:
    content = [
        {"type": "image_url", "image_url": {"url": PNG}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        {
            "type": "file",
            "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
        },
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
    ]
    parts = body(messages=[{"role": "user", "content": content}])["contents"][0]["parts"]
    assert parts == [
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.jpg"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklG"}},
    ]


def test_refused_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="'store'"):
        body(params={"store": True})
    with pytest.raises(ConfigurationError, match="no earlier assistant message"):
        body(messages=[{"role": "tool", "tool_call_id": "x", "content": "1"}])
    late_system = [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]
    with pytest.raises(ConfigurationError, match="system text only before"):
        body(messages=late_system)
    bad_args = [{"role": "assistant", "content": None, "tool_calls": [call("c", "f", "{")]}]
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        body(messages=bad_args)


def test_extra_body_is_merged_last() -> None:
    call_ = {
        "model": "gemini-2.5-flash",
        "messages": [{"role": "user", "content": "hi"}],
        "extra_body": {"safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT"}]},
    }
    got = request_of(call_).body("gemini", stream=True)  # type: ignore[arg-type]
    assert got["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT"}]


def test_made_up_ids_are_never_sent_and_signed_parts_route_to_gemini() -> None:
    parts = [{"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "c2ln"}]
    messages = [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("gemini_call_0", "f", "{}")],
            "gemini_parts": parts,
        },
        {"role": "tool", "tool_call_id": "gemini_call_0", "content": "ok"},
    ]
    got = body(messages=messages)
    assert got["contents"][1]["parts"] == parts
    assert got["contents"][2]["parts"] == [
        {"functionResponse": {"name": "f", "response": {"output": "ok"}}}
    ]
    # Rebuilt without the native parts: the made-up id is left out as well.
    rebuilt = body(messages=[messages[0], {**messages[1], "gemini_parts": None}, messages[2]])
    assert rebuilt["contents"][1]["parts"] == [{"functionCall": {"name": "f", "args": {}}}]
    request = request_of({"model": "m", "messages": messages})  # type: ignore[typeddict-item]
    assert request.native_route == "gemini"
    assert not request.replays_native_blocks


# -- the recorded tool loops ------------------------------------------------------------------

#: Each recorded two-turn loop: the first answer's calls go back in the second request.
LOOPS = [
    "parallel-tools+finishMessage__fantasy",
    "thinking+tool-loop__fantasy",
    "tool-id+signature-replay__fantasy",
    "noarg-tool+signature-replay__pydantic-ai",
    "json-array-tool-loop-signature-replay__llm-gemini",
]


def recorded_request(fragment: str) -> dict[str, Any]:
    return json.loads(entry_named(fragment, 1)["request_body"])


def _signature_bytes(sig: str) -> bytes:
    """pydantic-ai re-encodes signatures URL-safe; the bytes are what must match."""
    return base64.b64decode(sig.replace("-", "+").replace("_", "/") + "=" * (-len(sig) % 4))


def _calls(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for part in parts:
        call_ = part.get("functionCall") or part.get("function_call")
        if call_ is not None:
            sig = part.get("thoughtSignature")
            out.append(
                {
                    "name": call_["name"],
                    "args": call_.get("args") or {},
                    "id": call_.get("id"),
                    "signature": sig and _signature_bytes(sig),
                }
            )
    return out


def second_turn(fragment: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The neutral conversation an adapter holds after the first answer and the tools ran:
    the recorded user text, the answer (text, calls, its own parts), the recorded results."""
    result = parse_body("gemini", body_of(entry_named(fragment, 0))).result
    recorded = recorded_request(fragment)
    user = recorded["contents"][0]["parts"][0]["text"]
    responses = [
        p.get("functionResponse") or p.get("function_response")
        for p in recorded["contents"][2]["parts"]
    ]
    assistant = {
        "role": "assistant",
        "content": result.text or None,
        "tool_calls": [call(c.id or "", c.name or "", c.arguments) for c in result.tool_calls],
        "gemini_parts": result.blocks,
    }
    tools = [
        {
            "role": "tool",
            "tool_call_id": c.id,
            "content": json.dumps(next(iter(r["response"].values()))),
        }
        for c, r in zip(result.tool_calls, responses, strict=True)
    ]
    return [{"role": "user", "content": user}, assistant, *tools], recorded


@pytest.mark.parametrize("fragment", LOOPS)
def test_every_call_goes_back_with_its_name_arguments_signature_and_api_id(fragment: str) -> None:
    messages, recorded = second_turn(fragment)
    got = body(messages=messages)
    answer = parse_body("gemini", body_of(entry_named(fragment, 0))).result
    api_ids = {c.id for c in answer.tool_calls if not (c.id or "").startswith("gemini_call_")}
    sent = _calls(got["contents"][1]["parts"])
    expected = _calls(recorded["contents"][1]["parts"])
    for ours, theirs in zip(sent, expected, strict=True):
        assert (ours["name"], ours["args"], ours["signature"]) == (
            theirs["name"],
            theirs["args"],
            theirs["signature"],
        )
        # The API's id where the answer had one (the recording clients sent their own
        # otherwise: "1", "2", "pyd_ai_..."); none made up by us.
        assert ours["id"] == (theirs["id"] if theirs["id"] in api_ids else None)
    # Each result names its call, with the API's id where there was one.
    results = [p["functionResponse"] for p in got["contents"][2]["parts"]]
    assert [r["name"] for r in results] == [c["name"] for c in expected]
    assert [r.get("id") for r in results] == [c["id"] if c["id"] in api_ids else None for c in sent]
    # The second answer, recorded, parses to its text.
    after = parse_body("gemini", body_of(entry_named(fragment, 1)))
    assert after.failure is None and after.result.text
