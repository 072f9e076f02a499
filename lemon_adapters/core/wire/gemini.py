"""Gemini ``streamGenerateContent`` responses -> normalized events (pure).

Reference: https://ai.google.dev/api/generate-content (``GenerateContentResponse``), and
the recordings in ``tests/recordings/gemini/wire`` (Gemini API, Vertex AI, a gateway).

A stream is a sequence of ``GenerateContentResponse`` objects (SSE ``data:`` lines, or the
elements of one JSON array: :mod:`.json_array`), each holding only the new parts of
candidate 0 and a usage snapshot. What comes out:

* text parts as ``TextDelta``; ``"thought": true`` text parts as ``ReasoningDelta``;
* every part as a ``BlockDone`` the next request sends back (``block`` is the part in the
  API's own shape). Consecutive text parts of one kind are one block (the stream splits a
  text anywhere); a part carrying a ``thoughtSignature`` starts a new block unless it
  continues a block that has none yet, so every signature stays with the part it came on
  (an empty text part with a signature, sent at the end by Gemini 3, is its own block).
  ``BlockDone.signature`` is the signature, ``type`` what the part was;
* ``functionCall`` parts as ``ToolCallDelta`` keyed 0, 1, ... with the API's ``id`` (or,
  when the API gave none, ``gemini_call_<n>``, which the body builder never sends back as
  an id): whole calls at once, streamed calls (Vertex ``streamFunctionCallArguments``:
  ``{name, willContinue}``, then ``partialArgs`` by JSON path, then an empty
  ``functionCall`` ending it) with their identity first and their arguments as one JSON
  object when the call ends;
* ``executableCode`` / ``codeExecutionResult`` as ``ServerToolCall`` / ``ServerToolResult``
  (``code_execution``), ``groundingMetadata`` as a ``google_search`` call, its result (the
  grounding chunks) and a ``Citation`` per supported segment and source (character offsets
  into the answer text: the API counts UTF-8 bytes), ``citationMetadata`` as citations;
* usage once, at the end: the last snapshot that carries counts (counts go down between
  chunks in the recordings; Vertex sends ``{trafficType}`` alone until the end). Input is
  ``promptTokenCount`` (cached tokens included) plus ``toolUsePromptTokenCount``, output
  ``candidatesTokenCount`` plus ``thoughtsTokenCount``;
* the finish at the end of the body, from the last ``finishReason``: a ``STOP`` may come in
  the middle (code execution) and the stream goes on. ``STOP`` with function calls is
  ``tool_calls``, ``MAX_TOKENS`` ``length``, the safety family ``content_filter``, anything
  else (``MALFORMED_FUNCTION_CALL``...) ``other``; the raw reason is kept, by name even
  when the body sends enums as integers. A blocked prompt (``promptFeedback.blockReason``,
  no candidates) finishes as ``content_filter`` with raw reason ``prompt_blocked:<reason>``.

Unknown part kinds are kept as ``BlockDone(type="other")`` and counted in ``ignored``.
"""

from __future__ import annotations

import json
from typing import Any

from lemon_adapters.core.errors import (
    RETRY_STATUSES,
    MalformedStreamError,
    error_fields,
    stream_error,
)
from lemon_adapters.core.events import (
    BlockDone,
    BlockType,
    Citation,
    Finish,
    ReasoningDelta,
    ResponseStarted,
    ServerToolCall,
    ServerToolResult,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from lemon_adapters.core.wire.fields import text as wire_text
from lemon_adapters.core.wire.gemini_args import StreamedCall, apply_partial
from lemon_adapters.core.wire.gemini_vocab import (
    BLOCK_ENUM,
    CODE_EXECUTION,
    FINISH_ENUM,
    FINISH_REASONS,
    GOOGLE_SEARCH,
    OUTCOMES,
    SYNTHETIC_ID_PREFIX,
    char_offset,
    enum_name,
    usage_from_gemini,
)
from lemon_adapters.core.wire.sse import ServerSentEvent, loads_object


class _TextRun:
    """Consecutive text parts of one kind while they stream."""

    __slots__ = ("parts", "signature", "thought")

    def __init__(self, thought: bool) -> None:
        self.thought = thought
        self.parts: list[str] = []
        self.signature: str | None = None


class GeminiMapper:
    """Maps one Gemini stream (or JSON-array body). Feed it; call :meth:`end` at the end.

    Attributes:
        finished: the finish was mapped (at :meth:`end`), or an error element.
        started: the response began.
        saw_done: a ``data: [DONE]`` line was seen (Gemini sends none; a gateway may).
        response_id, model: ``responseId`` and ``modelVersion``, once known.
        finish_reason: the raw last ``finishReason`` (by name).
        block_reason: the raw ``promptFeedback.blockReason`` of a blocked prompt.
        ignored: counts of part kinds and candidates that were not mapped.
    """

    def __init__(self) -> None:
        self.finished = False
        self.started = False
        self.saw_done = False
        self.response_id: str | None = None
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.block_reason: str | None = None
        self.ignored: dict[str, int] = {}
        self._usage: dict[str, Any] | None = None
        self._run: _TextRun | None = None
        self._streamed: StreamedCall | None = None
        self._ncalls = 0
        self._nblocks = 0
        self._answer: list[str] = []  # the answer text, for grounding offsets (UTF-8 bytes)
        self._code_id: str | None = None
        self._seen_citations: set[tuple[Any, ...]] = set()
        self._grounding: Any = None
        self._any_reasoning = False

    # -- entry points -----------------------------------------------------------------------

    def map(self, sse: ServerSentEvent, out: list[StreamEvent]) -> None:
        """Map one SSE event (or array element), appending normalized events to ``out``."""
        self.map_data(sse.event, sse.data, out)

    def map_data(self, event: str, data: str, out: list[StreamEvent]) -> None:
        """:meth:`map` for an event given as its name and ``data`` text.

        Raises:
            StreamError: the element is an error object (``{"error": {...}}``).
            MalformedStreamError: ``data`` is not a JSON object.
        """
        if self.finished:
            return
        if data == "[DONE]":
            self.saw_done = True
            return
        obj = loads_object(data, "Gemini stream")
        if obj is not None:
            self.map_response(obj, out)

    def map_response(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        """Map one ``GenerateContentResponse`` (a streamed chunk or a whole answer)."""
        if self.finished:
            return
        if "error" in obj:
            self.finished = True
            error = obj["error"]
            exc = stream_error(error, frame=obj, default="the server reported an error")
            code = error.get("code") if isinstance(error, dict) else None
            if type(code) is int and error_fields(obj).retryable is None:
                # Google's error shape carries the HTTP status: a 429/500/503 sent inside a
                # 200 stream is as transient as it would have been as the status.
                exc.retryable = code in RETRY_STATUSES
            raise exc
        if not self.started:
            self.started = True
            self.response_id = wire_text(obj.get("responseId"), "responseId")
            self.model = wire_text(obj.get("modelVersion"), "modelVersion")
            out.append(ResponseStarted(id=self.response_id, model=self.model))
        usage = obj.get("usageMetadata")
        if usage and ("totalTokenCount" in usage or "promptTokenCount" in usage):
            self._usage = usage  # a running snapshot: the last one with counts wins
        feedback = obj.get("promptFeedback")
        if feedback and feedback.get("blockReason") is not None:
            self.block_reason = enum_name(feedback["blockReason"], BLOCK_ENUM, "blockReason")
        candidates = obj.get("candidates")
        if not candidates:
            return
        candidate = candidates[0]
        if len(candidates) > 1 or candidate.get("index", 0):
            found = self._first_candidate(candidates)
            if found is None:
                return
            candidate = found
        content = candidate.get("content")
        for part in (content.get("parts") or ()) if content else ():
            self._part(part, out)
        if candidate.get("groundingMetadata"):
            self._grounding_metadata(candidate["groundingMetadata"], out)
        if candidate.get("citationMetadata"):
            self._citation_metadata(candidate["citationMetadata"], out)
        reason = candidate.get("finishReason")
        if reason is not None:
            self.finish_reason = enum_name(reason, FINISH_ENUM, "finishReason")

    def _first_candidate(self, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Candidate 0 (``index`` absent means 0); the others (``candidateCount`` > 1) are
        counted in ``ignored``: the answer is the first candidate, as on the other routes."""
        first = None
        for candidate in candidates:
            if candidate.get("index", 0) == 0 and first is None:
                first = candidate
            else:
                self._ignore("candidate")
        return first

    def end(self, out: list[StreamEvent]) -> None:
        """End of body: close the open block, report usage and finish, if a finish reason
        (or a prompt block) arrived; otherwise the stream stays unfinished (truncated)."""
        if self.finished or (self.finish_reason is None and self.block_reason is None):
            return
        self._close_run(out)
        if self._streamed is not None:
            self._end_streamed(out)
        usage = usage_from_gemini(self._usage)
        if usage is not None:
            out.append(UsageReported(usage=usage))
        self.finished = True
        if self.block_reason is not None and self.finish_reason is None:
            blocked = f"prompt_blocked:{self.block_reason}"
            out.append(Finish(reason="content_filter", raw_reason=blocked))
            return
        raw = self.finish_reason
        reason = FINISH_REASONS.get(raw or "", "other")
        if reason == "stop" and self._ncalls:
            reason = "tool_calls"
        out.append(Finish(reason=reason, raw_reason=raw))

    # -- parts ----------------------------------------------------------------------------

    def _part(self, part: dict[str, Any], out: list[StreamEvent]) -> None:
        signature = part.get("thoughtSignature")
        if signature is not None and type(signature) is not str:
            raise MalformedStreamError(f"thoughtSignature is not text: {signature!r:.100}")
        if "text" in part:
            self._text(part, signature, out)
            return
        self._close_run(out)
        if "functionCall" in part:
            self._function_call(part, part["functionCall"], signature, out)
            return
        if self._streamed is not None:
            self._end_streamed(out)
        if "executableCode" in part:
            code = part["executableCode"]
            self._code_id = wire_text(code.get("id"), "executableCode.id")
            arguments = {k: v for k, v in code.items() if k != "id"}
            out.append(
                ServerToolCall(
                    id=self._code_id,
                    name=CODE_EXECUTION,
                    arguments=arguments,
                    provider_type="executableCode",
                )
            )
            self._block(part, "server_tool_call", signature, out)
        elif "codeExecutionResult" in part:
            result = part["codeExecutionResult"]
            call_id = wire_text(result.get("id"), "codeExecutionResult.id") or self._code_id
            out.append(
                ServerToolResult(
                    call_id=call_id,
                    name=CODE_EXECUTION,
                    status=OUTCOMES.get(
                        wire_text(result.get("outcome"), "codeExecutionResult.outcome") or ""
                    ),
                    output=result.get("output"),
                    provider_type="codeExecutionResult",
                )
            )
            self._block(part, "server_tool_result", signature, out)
        else:
            # inlineData (an image the model drew), fileData, or a kind this version does
            # not model: kept whole for replay.
            kind = next((k for k in part if k not in ("thought", "thoughtSignature")), "part")
            if kind not in ("inlineData", "fileData"):
                self._ignore(kind)
            self._block(part, "other", signature, out)

    def _text(self, part: dict[str, Any], signature: str | None, out: list[StreamEvent]) -> None:
        text = part["text"]
        if type(text) is not str:
            raise MalformedStreamError(f"a text part is not text: {text!r:.100}")
        if self._streamed is not None:
            self._end_streamed(out)
        thought = part.get("thought") is True
        run = self._run
        if run is not None and (
            run.thought != thought
            or (signature is not None and (run.signature is not None or run.parts))
        ):
            # A signature starts its own block: it stays on the part it came on (also an
            # empty part after the text, as Gemini 3 sends it).
            self._close_run(out)
            run = None
        if run is None:
            run = self._run = _TextRun(thought)
        if signature is not None:
            run.signature = signature
        if not text:
            return
        run.parts.append(text)
        if thought:
            if len(run.parts) == 1 and self._any_reasoning:  # a new thought: a paragraph
                out.append(ReasoningDelta(text="\n\n"))
            self._any_reasoning = True
            out.append(ReasoningDelta(text=text))
        else:
            self._answer.append(text)
            out.append(TextDelta(text=text))

    def _close_run(self, out: list[StreamEvent]) -> None:
        run = self._run
        if run is None:
            return
        self._run = None
        if not run.parts and run.signature is None:
            return  # empty text parts only (sent beside other parts): nothing to send back
        block: dict[str, Any] = {"text": "".join(run.parts)}
        if run.thought:
            block["thought"] = True
        if run.signature is not None:
            block["thoughtSignature"] = run.signature
        thinking = block["text"] if run.thought else None
        self._block(block, "thinking" if run.thought else "text", run.signature, out, thinking)

    def _block(
        self,
        block: dict[str, Any],
        kind: BlockType,
        signature: str | None,
        out: list[StreamEvent],
        thinking: str | None = None,
        call: int | None = None,
    ) -> None:
        out.append(
            BlockDone(
                index=self._nblocks,
                block=block,
                type=kind,
                signature=signature,
                tool_call_index=call,
                thinking=thinking,
            )
        )
        self._nblocks += 1

    # -- function calls -------------------------------------------------------------------

    def _function_call(
        self,
        part: dict[str, Any],
        call: dict[str, Any],
        signature: str | None,
        out: list[StreamEvent],
    ) -> None:
        streamed = self._streamed
        name = wire_text(call.get("name"), "functionCall.name")
        if streamed is not None and name is None:
            # A continuation of the streamed call: partialArgs, or the empty terminator.
            if signature is not None and streamed.signature is None:
                streamed.signature = signature
            for arg in call.get("partialArgs") or ():
                apply_partial(streamed, arg)
            if not call.get("willContinue"):
                self._end_streamed(out)
            return
        if streamed is not None:
            self._end_streamed(out)
        if name is None:
            raise MalformedStreamError(f"a functionCall without a name: {call!r:.200}")
        api_id = wire_text(call.get("id"), "functionCall.id")
        index = self._ncalls
        self._ncalls += 1
        call_id = api_id or f"{SYNTHETIC_ID_PREFIX}{index}"
        if call.get("willContinue") or call.get("partialArgs"):
            state = self._streamed = StreamedCall(index, name, api_id, signature)
            out.append(ToolCallDelta(index=index, id=call_id, name=name, arguments=""))
            for arg in call.get("partialArgs") or ():
                apply_partial(state, arg)
            if not call.get("willContinue"):
                self._end_streamed(out)
            return
        args = call.get("args")
        if args is not None and not isinstance(args, dict):
            raise MalformedStreamError(f"functionCall.args is not an object: {args!r:.200}")
        text = json.dumps(args, ensure_ascii=False) if args else "{}"
        out.append(ToolCallDelta(index=index, id=call_id, name=name, arguments=text))
        self._block(part, "tool_call", signature, out, call=index)

    def _end_streamed(self, out: list[StreamEvent]) -> None:
        state = self._streamed
        assert state is not None
        self._streamed = None
        text = json.dumps(state.args, ensure_ascii=False) if state.args else "{}"
        out.append(ToolCallDelta(index=state.index, id=None, name=None, arguments=text))
        call: dict[str, Any] = {"name": state.name, "args": state.args}
        if state.api_id is not None:
            call["id"] = state.api_id
        block: dict[str, Any] = {"functionCall": call}
        if state.signature is not None:
            block["thoughtSignature"] = state.signature
        self._block(block, "tool_call", state.signature, out, call=state.index)

    # -- grounding and citations ------------------------------------------------------------

    def _grounding_metadata(self, meta: dict[str, Any], out: list[StreamEvent]) -> None:
        if meta == self._grounding:
            return  # repeated on a later chunk: already reported
        self._grounding = meta
        queries = meta.get("webSearchQueries")
        chunks = meta.get("groundingChunks") or []
        if queries is not None or chunks:
            out.append(
                ServerToolCall(
                    id=None,
                    name=GOOGLE_SEARCH,
                    arguments={"queries": list(queries or ())},
                    provider_type="groundingMetadata",
                )
            )
            out.append(
                ServerToolResult(
                    call_id=None,
                    name=GOOGLE_SEARCH,
                    status=None,
                    output=chunks,
                    provider_type="groundingMetadata",
                )
            )
        answer = "".join(self._answer).encode("utf-8")
        for support in meta.get("groundingSupports") or ():
            segment = support.get("segment") or {}
            start = char_offset(answer, segment.get("startIndex", 0))
            end = char_offset(answer, segment.get("endIndex"))
            for i in support.get("groundingChunkIndices") or ():
                source = chunks[i] if isinstance(i, int) and 0 <= i < len(chunks) else {}
                web = source.get("web") or source.get("retrievedContext") or {}
                citation = Citation(
                    url=wire_text(web.get("uri"), "groundingChunk.uri"),
                    title=wire_text(web.get("title"), "groundingChunk.title"),
                    cited_text=wire_text(segment.get("text"), "segment.text"),
                    start=start,
                    end=end,
                    provider_type="groundingSupport",
                )
                out.append(citation)

    def _citation_metadata(self, meta: dict[str, Any], out: list[StreamEvent]) -> None:
        answer = "".join(self._answer).encode("utf-8")
        # Gemini API: ``citations``; Vertex AI: ``citationSources``. Repeated (growing) on
        # later chunks: each source is reported once.
        for source in meta.get("citations") or meta.get("citationSources") or ():
            key = (source.get("uri"), source.get("startIndex"), source.get("endIndex"))
            if key in self._seen_citations:
                continue
            self._seen_citations.add(key)
            out.append(
                Citation(
                    url=wire_text(source.get("uri"), "citation.uri"),
                    title=wire_text(source.get("title"), "citation.title"),
                    cited_text=None,
                    start=char_offset(answer, source.get("startIndex")),
                    end=char_offset(answer, source.get("endIndex")),
                    provider_type="citationMetadata",
                )
            )

    def _ignore(self, what: str) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + 1
