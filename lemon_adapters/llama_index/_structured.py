"""Structured output for ``LemonData``: a forced tool call (the default, as in
``ChatLemonData``) or a ``json_schema`` response format, as ``structured_output`` says. The
``LemonData`` methods choose; these helpers do the work, on LlamaIndex's public API only."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatResponse
from llama_index.core.types import Model

if TYPE_CHECKING:
    from llama_index.core.llms.function_calling import FunctionCallingLLM
    from llama_index.core.tools import FunctionTool


class ModelRefusalError(ValueError):
    """The model declined to produce the requested object (a refusal message, or a
    Messages ``stop_reason: refusal``): raised by structured prediction instead of a
    validation error on what it withheld.

    Attributes:
        refusal: what the model said, if anything.
        response: the ``ChatResponse`` that carried the refusal.
    """

    def __init__(self, refusal: str, response: ChatResponse) -> None:
        self.refusal = refusal
        self.response = response
        said = f": {refusal}" if refusal else ""
        super().__init__(f"The model refused to produce the structured output{said}")


def refuse(response: ChatResponse) -> None:
    """Raise :class:`ModelRefusalError` if ``response`` is a refusal."""
    raw = response.raw if isinstance(response.raw, dict) else {}
    if raw.get("refused"):
        raise ModelRefusalError(raw.get("refusal") or response.message.content or "", response)


def schema_kwargs(llm_kwargs: dict[str, Any] | None, output_cls: type[Model]) -> dict[str, Any]:
    """``chat`` arguments asking for ``output_cls`` as JSON text (Chat-shaped
    ``response_format``; the core writes ``text.format`` for the Responses API)."""
    kwargs = {
        k: v for k, v in (llm_kwargs or {}).items() if k not in ("tool_choice", "tool_required")
    }
    kwargs["response_format"] = {
        "type": "json_schema",
        "json_schema": {
            "name": re.sub(r"[^a-zA-Z0-9_-]", "_", output_cls.__name__)[:64],
            "schema": output_cls.model_json_schema(),
            # Not strict: strict mode rejects ordinary pydantic schemas (optional fields).
            "strict": False,
        },
    }
    return kwargs


def forced_tool(
    output_cls: type[Model], llm_kwargs: dict[str, Any] | None
) -> tuple[FunctionTool, dict[str, Any]]:
    """The function tool for ``output_cls`` and the ``chat_with_tools`` arguments that force
    it: ``tool_choice`` names it, so a model cannot answer in prose instead."""
    from llama_index.core.program.function_program import get_function_tool

    tool = get_function_tool(output_cls)
    kwargs = {
        k: v
        for k, v in (llm_kwargs or {}).items()
        if k not in ("tool_choice", "tool_required", "allow_parallel_tool_calls")
    }
    kwargs.update(tool_required=True, tool_choice=tool.metadata.name)
    return tool, kwargs


def parse(output_cls: type[Model], response: ChatResponse, llm: FunctionCallingLLM) -> Model:
    """``output_cls`` from a whole answer: the first tool call's arguments if it made one,
    else its JSON text (pydantic's ValidationError when neither fits).

    Raises:
        ModelRefusalError: the model refused.
    """
    refuse(response)
    calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    if calls:
        from_call: Model = output_cls.model_validate(calls[0].tool_kwargs)
        return from_call
    from_text: Model = output_cls.model_validate_json(response.message.content or "")
    return from_text


class Partials:
    """Cumulative chunks -> the best object parsed so far (pure state).

    With ``tool`` the object comes from the forced call's (partial) arguments, else from
    the (partial) JSON text; a chunk that adds nothing parseable yields nothing.
    """

    __slots__ = ("_current", "_llm", "_output_cls", "_tool")

    def __init__(self, llm: FunctionCallingLLM, output_cls: type[Model], *, tool: bool) -> None:
        self._llm = llm
        self._output_cls = output_cls
        self._tool = tool
        self._current: Any = None

    def feed(self, chunk: ChatResponse) -> Any:
        """The object so far, or ``None`` when ``chunk`` gives none yet.

        Raises:
            ModelRefusalError: the model refused (said by the last chunk).
        """
        refuse(chunk)
        if not self._tool:
            from llama_index.core.program.streaming_utils import (
                process_streaming_content_incremental,
            )

            self._current = process_streaming_content_incremental(
                chunk, self._output_cls, self._current
            )
            return self._current
        if not self._llm.get_tool_calls_from_response(chunk, error_on_no_tool_call=False):
            return None  # no call yet (text before it, or the first empty chunk)
        from llama_index.core.program.utils import process_streaming_objects

        objects = process_streaming_objects(
            chunk,
            self._output_cls,
            cur_objects=self._current,
            allow_parallel_tool_calls=False,
            flexible_mode=True,
            llm=self._llm,
        )
        self._current = objects if isinstance(objects, list) else [objects]
        return objects


def partials(chunks: Iterator[ChatResponse], state: Partials) -> Generator[Any, None, None]:
    """The objects :class:`Partials` makes of a stream of chunks."""
    for chunk in chunks:
        current = state.feed(chunk)
        if current is not None:
            yield current


async def apartials(
    chunks: AsyncIterator[ChatResponse], state: Partials
) -> AsyncGenerator[Any, None]:
    """The async twin of :func:`partials`."""
    async for chunk in chunks:
        current = state.feed(chunk)
        if current is not None:
            yield current
