"""The Gemini request body (``POST /v1beta/models/{model}:streamGenerateContent``) from the
neutral request (pure). :func:`lemon_adapters.core.request.build.build_body` calls it for
``api="gemini"``. Reference: https://ai.google.dev/api/generate-content.

* ``systemInstruction`` from the leading system/developer messages; ``contents`` as
  ``user`` / ``model`` turns (consecutive turns of one role merged; tool results are a user
  turn of ``functionResponse`` parts, each with the call's name and, where the call had
  one, its id);
* an earlier Gemini answer's own parts (``gemini_parts``: ``StreamResult.blocks`` of a
  Gemini answer) are sent back verbatim, so every ``thoughtSignature`` goes back on the
  part it came on, as Gemini 3 requires for function calls; without them the turn is
  rebuilt from its text and tool calls (ids the mapper made up for calls the API named
  none for, ``gemini_call_<n>``, are never sent);
* images, documents and audio as ``inlineData`` (``data:`` URLs) or ``fileData`` (other
  URLs and file ids);
* function tools as ``functionDeclarations`` with the JSON Schema as
  ``parametersJsonSchema`` (sent as given, no conversion to Gemini's OpenAPI subset);
  Gemini's own tools (``{"googleSearch": {}}``, ``{"codeExecution": {}}``...) as given;
* ``tool_choice`` as ``toolConfig.functionCallingConfig`` (``AUTO``, ``ANY``, ``NONE``, a
  name as ``ANY`` with ``allowedFunctionNames``);
* ``generationConfig``: ``temperature``, ``top_p``, ``top_k``, ``max_tokens``
  (``maxOutputTokens``), ``stop`` (``stopSequences``), ``seed``, the penalties, logprobs,
  a JSON-schema ``response_format`` (``responseMimeType`` + ``responseJsonSchema``), and
  thinking: ``thinking`` as Gemini's ``thinkingConfig`` (or Anthropic's ``{"type":
  "enabled", "budget_tokens": n}`` as ``thinkingBudget`` with thoughts included),
  ``reasoning_effort`` as ``thinkingLevel``.

``parallel_tool_calls`` is left out: Gemini has no such switch. The other named options
have no Gemini field and are refused before any request; anything else goes in
``extra_body`` (merged into the body last).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from lemon_adapters.core.errors import ConfigurationError
from lemon_adapters.core.request.call import MODEL_OPTIONS, Tool
from lemon_adapters.core.request.tools import arguments_object, function_spec, tool_choice_name
from lemon_adapters.core.wire.gemini_vocab import SYNTHETIC_ID_PREFIX

_Msg = Mapping[str, Any]

#: Named options -> their ``generationConfig`` field, sent as given.
_GENERATION = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "max_tokens": "maxOutputTokens",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "logprobs": "responseLogprobs",
    "top_logprobs": "logprobs",
}
#: Named options read below (translated), or left out on purpose: usage always streams,
#: and Gemini has no switch for parallel calls (the model may always make several; the
#: LlamaIndex adapter keeps the first when parallel calls are not allowed).
_TRANSLATED = frozenset(
    {
        "stop",
        "response_format",
        "thinking",
        "reasoning_effort",
        "reasoning",
        "stream_usage",
        "parallel_tool_calls",
    }
)


def gemini_body(
    messages: Sequence[_Msg],
    tools: Sequence[Tool] | None,
    tool_choice: Any,
    opts: dict[str, Any],
) -> dict[str, Any]:
    """The ``GenerateContentRequest`` body (the model goes in the URL, not the body).

    Raises:
        ConfigurationError: an option Gemini has no field for, or a message it cannot
            carry (a tool result whose call is unknown, system text mid-conversation...).
    """
    refused = [
        k for k in opts if k in MODEL_OPTIONS and k not in _GENERATION and k not in _TRANSLATED
    ]
    if refused:
        names = ", ".join(repr(k) for k in refused)
        raise ConfigurationError(
            f"the Gemini API (api='gemini') has no {names} parameter"
            f"{'s' if len(refused) > 1 else ''} (leave it out; a field the gateway accepts"
            " beyond the named options goes in extra_body)"
        )
    system, contents = _contents(messages)
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": system}
    if tools:
        body["tools"] = _tools(tools)
    config = _tool_config(tool_choice)
    if config is not None:
        body["toolConfig"] = config
    generation = _generation_config(opts)
    if generation:
        body["generationConfig"] = generation
    return body


# -- contents -------------------------------------------------------------------------------


def _contents(messages: Sequence[_Msg]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    calls: dict[str, str] = {}  # tool call id -> function name, from the answers so far
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            if contents:
                raise ConfigurationError(
                    "the Gemini API takes system text only before the conversation"
                    f" (systemInstruction): a {role} message follows other messages"
                )
            system.extend(_parts(message.get("content")))
        elif role == "user":
            _add(contents, "user", _parts(message.get("content")))
        elif role == "assistant":
            _add(contents, "model", _model_parts(message, calls))
        elif role == "tool":
            _add(contents, "user", [_function_response(message, calls)])
        else:
            raise ConfigurationError(f"unsupported message role {role!r} in {dict(message)!r}")
    return system, contents


def _add(contents: list[dict[str, Any]], role: str, parts: list[dict[str, Any]]) -> None:
    if not parts:
        return  # an empty answer says nothing
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _model_parts(message: _Msg, calls: dict[str, str]) -> list[dict[str, Any]]:
    tool_calls = message.get("tool_calls") or ()
    for tc in tool_calls:
        fn = tc.get("function") or {}
        name = fn.get("name", tc.get("name"))
        if tc.get("id") and name:
            calls[str(tc["id"])] = str(name)
    native = message.get("gemini_parts")
    if native is not None:
        parts = [dict(p) for p in native]
        for part in parts:  # the API's own call ids name their calls too
            sent = part.get("functionCall")
            if isinstance(sent, Mapping) and sent.get("id") and sent.get("name"):
                calls[str(sent["id"])] = str(sent["name"])
        return parts
    content = message.get("content")
    parts = [p for p in _parts(content) if p.get("text") != ""] if content else []
    for tc in tool_calls:
        fn = tc.get("function") or {}
        name = fn.get("name", tc.get("name"))
        call: dict[str, Any] = {
            "name": name,
            "args": arguments_object(fn.get("arguments"), name, "Gemini"),
        }
        if _sendable_id(tc.get("id")):
            call["id"] = tc["id"]
        parts.append({"functionCall": call})
    return parts


def _function_response(message: _Msg, calls: dict[str, str]) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    name = message.get("name") or calls.get(str(call_id))
    if not name:
        raise ConfigurationError(
            f"the Gemini API needs the function name of every tool result: no earlier"
            f" assistant message has a tool call with id {call_id!r}"
        )
    content = message.get("content")
    text = content if isinstance(content, str) else "".join(_texts(content))
    # google.genai.types.FunctionResponse: "output" for the result, "error" for a failure.
    response = {"error" if message.get("is_error") else "output": text}
    out: dict[str, Any] = {"name": name, "response": response}
    if _sendable_id(call_id):
        out["id"] = call_id
    return {"functionResponse": out}


def _sendable_id(call_id: Any) -> bool:
    """An id to send back: any but the ones the mapper made up for calls without one."""
    return (
        isinstance(call_id, str) and bool(call_id) and not call_id.startswith(SYNTHETIC_ID_PREFIX)
    )


def _texts(content: Any) -> list[str]:
    return [str(p.get("text", "")) if isinstance(p, Mapping) else str(p) for p in content or ()]


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}]
    return [_part(p) for p in content]


def _part(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"text": part}
    kind = part.get("type")
    if kind == "text":
        return {"text": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        return _media(str(image.get("url") if isinstance(image, Mapping) else image))
    if kind == "file":
        file = part.get("file") or {}
        if file.get("file_data"):
            return _media(str(file["file_data"]))
        if file.get("file_id"):
            mime = mimetypes.guess_type(str(file.get("filename") or ""))[0]
            data = {"fileUri": str(file["file_id"])}
            return {"fileData": {**({"mimeType": mime} if mime else {}), **data}}
        raise ConfigurationError(f"a file part needs file_data or file_id: {dict(file)!r:.200}")
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        mime = f"audio/{audio.get('format') or 'wav'}"
        return {"inlineData": {"mimeType": mime, "data": audio.get("data", "")}}
    if kind is None:
        return dict(part)  # already a Gemini part ({"text"}, {"inlineData"}...)
    raise ConfigurationError(f"the Gemini API cannot carry a {kind!r} content part")


def _media(url: str) -> dict[str, Any]:
    if url.startswith("data:"):
        head, comma, data = url.partition(",")
        mime = head[5:].split(";")[0]
        if not comma or not head.endswith(";base64") or not mime:
            raise ConfigurationError(
                f"expected a base64 data: URL (data:<media type>;base64,...): {url[:60]!r}"
            )
        return {"inlineData": {"mimeType": mime, "data": data}}
    guessed = mimetypes.guess_type(url.split("?")[0])[0]
    return {"fileData": {**({"mimeType": guessed} if guessed else {}), "fileUri": url}}


# -- tools and options ----------------------------------------------------------------------


def _tools(tools: Sequence[Tool]) -> list[dict[str, Any]]:
    declarations: list[dict[str, Any]] = []
    native: list[dict[str, Any]] = []
    for tool in tools:
        if "type" not in tool and "function" not in tool and "name" not in tool:
            native.append(dict(tool))  # Gemini's own ({"googleSearch": {}}...): as given
            continue
        spec = function_spec(tool)
        if spec is None:
            raise ConfigurationError(
                f"the Gemini API takes function tools and its own tools, not {dict(tool)!r:.200}"
            )
        out: dict[str, Any] = {"name": spec["name"]}
        if spec.get("description") is not None:
            out["description"] = spec["description"]
        if spec.get("parameters"):
            out["parametersJsonSchema"] = spec["parameters"]
        declarations.append(out)
    return ([{"functionDeclarations": declarations}] if declarations else []) + native


def _tool_config(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if choice == "auto":
        mode: dict[str, Any] = {"mode": "AUTO"}
    elif choice is False or choice == "none":
        mode = {"mode": "NONE"}
    elif choice is True or choice in ("required", "any"):
        mode = {"mode": "ANY"}
    elif isinstance(choice, Mapping) and "functionCallingConfig" in choice:
        return dict(choice)  # already Gemini's toolConfig
    else:
        name = choice if isinstance(choice, str) else tool_choice_name(choice)
        if not name:
            raise ConfigurationError(f"unsupported tool_choice for the Gemini API: {choice!r}")
        mode = {"mode": "ANY", "allowedFunctionNames": [name]}
    return {"functionCallingConfig": mode}


def _generation_config(opts: dict[str, Any]) -> dict[str, Any]:
    config = {_GENERATION[k]: v for k, v in opts.items() if k in _GENERATION}
    stop = opts.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = opts.get("response_format")
    if fmt is not None:
        config.update(_response_format(fmt))
    thinking = _thinking_config(opts)
    if thinking:
        config["thinkingConfig"] = thinking
    return config


def _response_format(fmt: Mapping[str, Any]) -> dict[str, Any]:
    kind = fmt.get("type")
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if not isinstance(schema, Mapping):
            raise ConfigurationError(f"a json_schema response_format needs a schema: {fmt!r:.200}")
        return {"responseMimeType": "application/json", "responseJsonSchema": dict(schema)}
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "text":
        return {}
    raise ConfigurationError(f"unsupported response_format for the Gemini API: {fmt!r:.200}")


def _thinking_config(opts: Mapping[str, Any]) -> dict[str, Any]:
    thinking = opts.get("thinking")
    config: dict[str, Any] = {}
    if isinstance(thinking, Mapping):
        if thinking.get("type") == "enabled":  # Anthropic's shape
            config = {"includeThoughts": True}
            if thinking.get("budget_tokens") is not None:
                config["thinkingBudget"] = thinking["budget_tokens"]
        elif thinking.get("type") == "disabled":
            config = {"thinkingBudget": 0}
        elif "type" in thinking:
            raise ConfigurationError(f"unsupported thinking for the Gemini API: {thinking!r}")
        else:
            config = dict(thinking)  # Gemini's own thinkingConfig
    reasoning = opts.get("reasoning")
    effort = opts.get("reasoning_effort")
    if isinstance(reasoning, Mapping):
        effort = effort or reasoning.get("effort")
        if reasoning.get("summary"):
            config.setdefault("includeThoughts", True)
    if effort:
        config.setdefault("thinkingLevel", effort)
    return config
