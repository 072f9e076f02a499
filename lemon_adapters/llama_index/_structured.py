"""Structured output for ``LemonData``: ``json_schema`` where it is honoured, else a forced
tool call. The ``LemonData`` methods decide which; these helpers do the work."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatResponse
from llama_index.core.types import Model, PydanticProgramMode

if TYPE_CHECKING:
    from llama_index.core.llms.function_calling import FunctionCallingLLM
    from llama_index.core.prompts import PromptTemplate


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


def parse(output_cls: type[Model], response: ChatResponse) -> Model:
    """The final JSON text as ``output_cls`` (pydantic's ValidationError if it is not)."""
    parsed: Model = output_cls.model_validate_json(response.message.content or "")
    return parsed


def partial_objects(
    chunks: Iterator[ChatResponse], output_cls: type[Model]
) -> Generator[Any, None, None]:
    """The best object parsed so far from each cumulative chunk of JSON text."""
    from llama_index.core.program.streaming_utils import process_streaming_content_incremental

    current: Any = None
    for chunk in chunks:
        current = process_streaming_content_incremental(chunk, output_cls, current)
        yield current


async def apartial_objects(
    chunks: AsyncIterator[ChatResponse], output_cls: type[Model]
) -> AsyncGenerator[Any, None]:
    """The async twin of :func:`partial_objects`."""
    from llama_index.core.program.streaming_utils import process_streaming_content_incremental

    current: Any = None
    async for chunk in chunks:
        current = process_streaming_content_incremental(chunk, output_cls, current)
        yield current


def forced_tool_program(
    llm: FunctionCallingLLM, output_cls: type[Model], prompt: PromptTemplate
) -> Any:
    """A function-calling program that *forces* its tool, or ``None`` to use LlamaIndex's.

    LlamaIndex's ``FunctionCallingProgram.stream_call`` drops ``tool_required``, so
    without naming the tool in ``tool_choice`` a model may answer in prose instead.
    """
    if llm.pydantic_program_mode not in (PydanticProgramMode.DEFAULT, PydanticProgramMode.FUNCTION):
        return None
    from llama_index.core.program.function_program import (
        FunctionCallingProgram,
        get_function_tool,
    )

    name = get_function_tool(output_cls).metadata.name
    return FunctionCallingProgram.from_defaults(
        output_cls=output_cls, llm=llm, prompt=prompt, tool_choice=name
    )
