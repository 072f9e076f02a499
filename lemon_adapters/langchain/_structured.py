"""``with_structured_output`` for ChatLemonData: schema -> bound model + output parser."""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import (
    convert_to_openai_function,
    convert_to_openai_tool,
)
from langchain_core.utils.pydantic import is_basemodel_subclass

from .errors import ModelRefusalError

if TYPE_CHECKING:
    from .chat_models import ChatLemonData

Method = Literal["function_calling", "json_schema", "json_mode"]


def structured_output(
    model: ChatLemonData,
    schema: dict[str, Any] | type | None,
    method: Method,
    *,
    include_raw: bool,
    strict: bool | None,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """The runnable behind :meth:`ChatLemonData.with_structured_output`.

    ``function_calling`` binds the schema as the one tool and forces it; ``json_schema``
    and ``json_mode`` bind a Chat-shaped ``response_format``, which the core maps to
    ``text.format`` for the Responses API. ``parallel_tool_calls`` is not sent: not every
    model behind the gateway accepts it, and the parser reads the first call only.
    """
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    llm: Runnable[LanguageModelInput, Any]
    parser: Runnable[Any, Any]
    if method == "function_calling":
        if schema is None:
            raise ValueError("schema is required for method='function_calling'")
        tool_name = convert_to_openai_tool(schema)["function"]["name"]
        llm = model.bind_tools(
            [schema],
            tool_choice=tool_name,
            strict=strict,
            ls_structured_output_format=ls_format,
            **kwargs,
        )
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if is_pydantic
            else JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)
        )
    elif method in ("json_schema", "json_mode"):
        response_format = _response_format(schema, method, strict)
        llm = model.bind(
            response_format=response_format, ls_structured_output_format=ls_format, **kwargs
        )
        parser = (
            PydanticOutputParser(pydantic_object=cast(Any, schema))
            if is_pydantic
            else JsonOutputParser()
        )
    else:
        raise ValueError(
            f"method must be 'function_calling', 'json_schema' or 'json_mode', not {method!r}"
        )
    parser = RunnableLambda(refuse) | parser
    return _with_raw(llm, parser) if include_raw else llm | parser


def _response_format(
    schema: dict[str, Any] | type | None, method: Method, strict: bool | None
) -> dict[str, Any]:
    """The Chat-shaped ``response_format`` for ``json_schema`` or ``json_mode``."""
    if method == "json_mode":
        return {"type": "json_object"}
    if schema is None:
        raise ValueError("schema is required for method='json_schema'")
    fn = convert_to_openai_function(schema, strict=strict)
    spec: dict[str, Any] = {"name": fn["name"], "schema": fn["parameters"]}
    if fn.get("description"):
        spec["description"] = fn["description"]
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def _with_raw(
    llm: Runnable[LanguageModelInput, Any], parser: Runnable[Any, Any]
) -> Runnable[LanguageModelInput, Any]:
    """``{"raw", "parsed", "parsing_error"}``: the message, and the parsed value or why not."""
    with_parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    without = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | with_parsed.with_fallbacks(
        [without], exception_key="parsing_error"
    )


def refuse(message: BaseMessage) -> BaseMessage:
    """Raise ``ModelRefusalError`` when the model declined (a refusal message, or a
    Messages ``stop_reason: refusal``), instead of a parsing error on what it withheld.

    Raises:
        ModelRefusalError: the answer is a refusal (its text, if any, is the message).
    """
    if message.response_metadata.get("refused") or message.additional_kwargs.get("refusal"):
        said = message.additional_kwargs.get("refusal") or message.text
        text = f"The model refused: {said}" if said else "The model refused to answer"
        raise ModelRefusalError(text, raw_message=message)
    return message
