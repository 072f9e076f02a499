"""``LemonData``: a LlamaIndex ``FunctionCallingLLM`` on the lemon-adapters core.

Requests go through :class:`~lemon_adapters.LemonDataClient` (sync) and
:class:`~lemon_adapters.AsyncLemonDataClient` (async); this module only converts
LlamaIndex messages and tools in and normalized events out (see ``_convert``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import LLM, ToolSelection
from llama_index.core.types import Model, PydanticProgramMode

from lemon_adapters.core.request.call import Call, PlatformCache, adapter_call

from ..core.errors import ConfigurationError
from ..core.events import ApiChoice, StreamEvent
from . import _structured
from ._convert import (
    CACHE_POINT_ROUTES,
    keep_first_call,
    to_neutral_messages,
    to_tool_specs,
    tool_selections,
)
from ._fields import LemonDataConnection
from ._models import calls_functions, context_window_for
from ._stream import ChatStream, response_from_result

#: Spans and events as LlamaIndex's ``LLM`` emits them (its ``structured_predict`` is a
#: dispatcher span that sends a start and an end event; the overrides here do the same).
dispatcher = get_dispatcher(__name__)

if TYPE_CHECKING:
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate
    from llama_index.core.tools.types import BaseTool

    from ..core.client import AsyncResponseStream, ResponseStream


class LemonData(LemonDataConnection, FunctionCallingLLM):
    """Any LemonData model as a LlamaIndex function-calling chat LLM.

    Args:
        model: any model name the gateway serves (no name is refused locally).
        api: ``"auto"`` (default: Responses first, falling back per model to Chat
            Completions when the gateway rejects that route, and taking the model's native
            or Gemini route once the gateway names it), or only ``"responses"``, ``"chat"``,
            ``"messages"`` or ``"gemini"`` (a Gemini answer's parts, signatures and all,
            are kept in ``additional_kwargs["gemini_parts"]`` and sent back).
        api_key: defaults to ``LEMONDATA_API_KEY``; checked when a request is made, and
            never included in ``to_dict``, ``to_payload``, ``metadata`` or ``repr``.
        base_url: alias ``api_base``; defaults to ``LEMONDATA_BASE_URL``, else the gateway.
        http_client: an ``httpx.Client`` to send sync requests with (not closed by us).
        async_http_client: an ``httpx.AsyncClient`` for async requests (not closed by us).
        **kwargs: the fields below, and LlamaIndex's ``LLM`` fields.
    """

    model: str = Field(description="The LemonData model name.")
    api: ApiChoice = Field(default="auto", description="Which wire API to use.")
    temperature: float | None = Field(default=None, description="Sampling temperature.")
    top_p: float | None = Field(default=None, description="Nucleus sampling.")
    max_tokens: int | None = Field(default=None, gt=0, description="Output token limit.")
    stop: list[str] | None = Field(
        default=None,
        description="Stop sequences (sent on Chat Completions, applied client-side on the "
        "Responses API, which has no such parameter).",
    )
    seed: int | None = Field(default=None, description="Sampling seed.")
    context_window: int | None = Field(
        default=None,
        gt=0,
        description="Input tokens the model accepts; default from the family table.",
    )
    reasoning_effort: str | None = Field(default=None, description="e.g. low/medium/high.")
    cache_control: Any = Field(
        default=None, description="The body's top-level cache_control, sent as given."
    )
    platform_cache: PlatformCache | None = Field(
        default=None,
        description="LemonData's own response cache: no_cache, no_store, response_only or "
        "semantic_only (not the providers' prompt caching; CachePoint blocks are that).",
    )
    stall_timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds a stream may go without progress (keep-alives and pings do not "
        "count) before it fails with APITimeoutError code='stream_stalled'; default: the "
        "read timeout.",
    )
    strict: bool = Field(default=False, description="Send tools with strict schemas.")
    structured_output: Literal["tool_call", "json_schema"] = Field(
        default="tool_call",
        description="How structured_predict asks for an object: a forced tool call (every "
        "function-calling model) or a json_schema response format; the same for every model.",
    )

    @classmethod
    def class_name(cls) -> str:
        return "LemonData"

    @property
    def metadata(self) -> LLMMetadata:
        """Facts for LlamaIndex's planners; computed locally, never raises."""
        return LLMMetadata(
            context_window=self.context_window or context_window_for(self.model),
            num_output=self.max_tokens or DEFAULT_NUM_OUTPUTS,
            is_chat_model=True,
            is_function_calling_model=calls_functions(self.model),
            model_name=self.model,
            system_role=MessageRole.SYSTEM,
        )

    def to_payload(self) -> dict[str, Any]:
        """What instrumentation events record about this LLM (no credentials).

        The same as ``BaseLLM.to_payload`` in the llama-index-core releases that have it
        (the class name and the metadata), plus the API and base URL.
        """
        payload = {"class_name": self.class_name(), **self.metadata.model_dump()}
        return {**payload, "api": self.api, "base_url": self.base_url}

    # -- requests (the clients, close and aclose: LemonDataConnection) -----------------------

    def _request(self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> Call:
        params: dict[str, Any] = {
            "api": self.api,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
            "seed": self.seed,
            "reasoning_effort": self.reasoning_effort,
            "cache_control": self.cache_control,
            "platform_cache": self.platform_cache,
            **self.additional_kwargs,
            **kwargs,
        }
        if not params.get("tools"):
            for key in ("tools", "tool_choice", "parallel_tool_calls"):
                params.pop(key, None)
        return adapter_call(
            model=params.pop("model", None) or self.model,
            messages=to_neutral_messages(
                messages, cache_points=params.get("api") in CACHE_POINT_ROUTES
            ),
            params=params,
        )

    # Methods, not static: the generator holds the LLM (and so its connection pool) alive
    # while a stream from a temporary ``LemonData(...)`` is still being read.
    def _events(self, stream: ResponseStream) -> Iterator[ChatResponse]:
        state = ChatStream()
        with stream:
            for event in stream:
                chunk = state.feed(event)
                if chunk is not None:
                    yield chunk

    async def _aevents(self, stream: AsyncResponseStream) -> AsyncIterator[ChatResponse]:
        state = ChatStream()
        async with stream:
            event: StreamEvent
            async for event in stream:
                chunk = state.feed(event)
                if chunk is not None:
                    yield chunk

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return response_from_result(self._clients.sync.create(**self._request(messages, kwargs)))

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        stream = self._clients.sync.stream(**self._request(messages, kwargs))
        return cast(ChatResponseGen, self._events(stream))

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client = self._clients.async_
        return response_from_result(await client.create(**self._request(messages, kwargs)))

    def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        stream = self._clients.async_.stream(**self._request(messages, kwargs))
        return cast(ChatResponseAsyncGen, self._aevents(stream))

    # -- the eight LlamaIndex entry points ----------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        return self._astream_chat(messages, **kwargs)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return _completion(self._chat(_prompt_messages(prompt), **kwargs))

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        chunks = self._stream_chat(_prompt_messages(prompt), **kwargs)
        return (_completion(chunk) for chunk in chunks)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        return _completion(await self._achat(_prompt_messages(prompt), **kwargs))

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        chunks = self._astream_chat(_prompt_messages(prompt), **kwargs)

        async def gen() -> CompletionResponseAsyncGen:
            async for chunk in chunks:
                yield _completion(chunk)

        return gen()

    # -- tool calling -----------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat`` arguments for a tool-calling turn. ``chat_history`` is copied."""
        messages = list(chat_history or ())
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        specs = to_tool_specs(tools, strict=self.strict if strict is None else strict)
        out: dict[str, Any] = {"messages": messages, **kwargs}
        if specs:
            out["tools"] = specs
            out["tool_choice"] = (
                tool_choice if tool_choice is not None else ("required" if tool_required else None)
            )
            out["parallel_tool_calls"] = allow_parallel_tool_calls
        return out

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first call unless parallel calls were allowed."""
        return response if allow_parallel_tool_calls else keep_first_call(response)

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls in ``response``; partial argument JSON is parsed as far as it goes.

        Raises:
            ValueError: no tool call, and ``error_on_no_tool_call`` is set.
        """
        selections = tool_selections(response)
        if not selections and error_on_no_tool_call:
            raise ValueError(f"Expected at least one tool call from {self.model!r}, got none.")
        return selections

    # -- structured output (see _structured) -------------------------------------------

    def _json_schema_mode(self) -> bool:
        if self.pydantic_program_mode not in (
            PydanticProgramMode.DEFAULT,
            PydanticProgramMode.FUNCTION,
        ):
            return False
        return self.structured_output == "json_schema"

    def _structured_by_us(self) -> bool:
        """Whether this LLM answers structured calls itself (else LlamaIndex's programs,
        for an explicit ``pydantic_program_mode`` such as LLM text completion)."""
        return self.pydantic_program_mode in (
            PydanticProgramMode.DEFAULT,
            PydanticProgramMode.FUNCTION,
        )

    def _structured_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None,
        prompt_args: dict[str, Any],
    ) -> tuple[list[ChatMessage], dict[str, Any]]:
        """The messages and ``chat`` arguments of a structured call, either way."""
        messages = self._extend_messages(prompt.format_messages(**prompt_args))
        if self._json_schema_mode():
            return messages, _structured.schema_kwargs(llm_kwargs, output_cls)
        tool, kwargs = _structured.forced_tool(output_cls, llm_kwargs)
        prepared = self._prepare_chat_with_tools([tool], chat_history=messages, **kwargs)
        return prepared.pop("messages"), prepared

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """An ``output_cls`` object, through a forced tool call or json_schema.

        Raises:
            ModelRefusalError: the model refused (see :mod:`._structured`).
        """
        if not self._structured_by_us():  # LlamaIndex's own, inside this span: once
            base = LLM.structured_predict.__wrapped__  # type: ignore[attr-defined]
            result: Model = base(self, output_cls, prompt, llm_kwargs, **prompt_args)
            return result
        _start(output_cls, prompt, prompt_args)
        messages, kwargs = self._structured_call(output_cls, prompt, llm_kwargs, prompt_args)
        parsed = _structured.parse(output_cls, self.chat(messages, **kwargs), self)
        dispatcher.event(LLMStructuredPredictEndEvent(output=parsed))
        return parsed

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async :meth:`structured_predict`."""
        if not self._structured_by_us():
            base = LLM.astructured_predict.__wrapped__  # type: ignore[attr-defined]
            result: Model = await base(self, output_cls, prompt, llm_kwargs, **prompt_args)
            return result
        _start(output_cls, prompt, prompt_args)
        messages, kwargs = self._structured_call(output_cls, prompt, llm_kwargs, prompt_args)
        parsed = _structured.parse(output_cls, await self.achat(messages, **kwargs), self)
        dispatcher.event(LLMStructuredPredictEndEvent(output=parsed))
        return parsed

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        if not self._structured_by_us():
            return super()._structured_stream_call(output_cls, prompt, llm_kwargs, **prompt_args)
        messages, kwargs = self._structured_call(output_cls, prompt, llm_kwargs, prompt_args)
        state = _structured.Partials(self, output_cls, tool=not self._json_schema_mode())
        return _structured.partials(self.stream_chat(messages, **kwargs), state)

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        if not self._structured_by_us():
            return await super()._structured_astream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        messages, kwargs = self._structured_call(output_cls, prompt, llm_kwargs, prompt_args)
        state = _structured.Partials(self, output_cls, tool=not self._json_schema_mode())
        return _structured.apartials(await self.astream_chat(messages, **kwargs), state)


def _start(output_cls: type[Model], prompt: PromptTemplate, args: dict[str, Any]) -> None:
    dispatcher.event(
        LLMStructuredPredictStartEvent(output_cls=output_cls, template=prompt, template_args=args)
    )


def _prompt_messages(prompt: str) -> list[ChatMessage]:
    if not isinstance(prompt, str):  # ChatMessage would take 5 or None as empty text
        raise ConfigurationError(f"prompt must be text, not {type(prompt).__name__} {prompt!r:.60}")
    return [ChatMessage(role=MessageRole.USER, content=prompt)]


def _completion(chunk: ChatResponse) -> CompletionResponse:
    return CompletionResponse(
        text=chunk.message.content or "",
        delta=chunk.delta,
        raw=chunk.raw,
        additional_kwargs=chunk.additional_kwargs,
    )
