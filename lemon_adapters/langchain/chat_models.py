"""``ChatLemonData``: a LangChain chat model streaming natively over the lemon_adapters core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, model_validator

from lemon_adapters.core.client import AsyncLemonDataClient, LemonDataClient
from lemon_adapters.core.events import ApiChoice
from lemon_adapters.core.profiles import profile_for
from lemon_adapters.core.request.call import PlatformCache, adapter_call
from lemon_adapters.core.tokens import count_message_tokens, count_tokens

from ._convert import to_neutral_messages
from ._fields import LemonDataFields, move_unknown_arguments
from ._structured import Method, structured_output
from ._turn import Turn
from .errors import translated_errors

#: LangChain keyword arguments that describe the run, not the request.
_RUN_KWARGS = ("stream", "ls_structured_output_format", "structured_output_format")


class ChatLemonData(LemonDataFields, BaseChatModel):
    """Chat model for the LemonData gateway, on both the Responses and Chat Completions APIs.

    Streams natively (sync and async) over :class:`~lemon_adapters.LemonDataClient`: text
    deltas become ``AIMessageChunk`` content, tool-call fragments ``tool_call_chunks``,
    reasoning ``additional_kwargs["reasoning_content"]`` (a standard ``reasoning`` block
    with ``output_version="v1"``); one final chunk carries usage and response metadata.
    """

    model: str = Field(alias="model_name")
    """The model name, as LemonData lists it (``GET /v1/models``)."""
    api: ApiChoice = "auto"
    """Which API to call: ``"auto"`` (default: the Responses API, as LemonData's streaming
    guide recommends, falling back per model to Chat Completions when the gateway rejects
    that route, and taking the model's native Messages route once the gateway names it),
    or only ``"responses"``, ``"chat"`` (Chat Completions), ``"messages"`` (Anthropic
    Messages, ``/v1/messages``) or ``"gemini"`` (Gemini's own format,
    ``/v1beta/models/{model}:streamGenerateContent``: thought signatures are kept in
    ``additional_kwargs["gemini_parts"]`` and sent back)."""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    """Output token cap (``max_output_tokens`` on the Responses API)."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences. Sent on Chat Completions; the Responses API has no such parameter,
    so there the core cuts the text client-side at the first stop sequence."""
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stall_timeout: float | None = Field(default=None, gt=0)
    """Seconds a stream may go without progress (keep-alives and pings do not count)
    before it fails with ``APITimeoutError`` ``code="stream_stalled"``; default: the read
    timeout. Sync and async alike."""
    streaming: bool = False
    stream_usage: bool = True
    """Ask for usage on Chat Completions streams (the Responses API always reports it)."""
    reasoning_effort: str | None = None
    reasoning: dict[str, Any] | None = None
    """Responses-style reasoning options, e.g. ``{"effort": "low", "summary": "auto"}``."""
    thinking: dict[str, Any] | None = None
    """Extended thinking on the Messages API, e.g. ``{"type": "enabled", "budget_tokens":
    2000}``; the thinking blocks come back with their signatures and are sent back. On the
    Gemini route, Gemini's ``thinkingConfig`` (``{"includeThoughts": True,
    "thinkingBudget": 1024}``) or the Anthropic shape."""
    top_k: int | None = None
    """Top-k sampling (Messages and Gemini APIs)."""
    cache_control: Any = None
    """The body's top-level ``cache_control``, sent as given (on the Messages route,
    Anthropic's automatic prompt caching: ``{"type": "ephemeral"}``)."""
    platform_cache: PlatformCache | None = None
    """LemonData's own response cache for these requests: ``"no_cache"`` (skip it),
    ``"no_store"`` (read, never store), ``"response_only"`` or ``"semantic_only"``; not the
    providers' prompt caching. A misspelled value is refused before any request."""
    extra_body: dict[str, Any] | None = None
    """Merged into the request body last."""

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, protected_namespaces=()
    )

    @model_validator(mode="before")
    @classmethod
    def _unknown_arguments(cls, values: Any) -> Any:
        """Unknown keyword arguments are never dropped: a near-miss of a field name is
        refused (``temprature``), anything else moves into ``model_kwargs`` with a warning,
        as ``ChatOpenAI`` does, and is sent as a body parameter."""
        return move_unknown_arguments(cls, values, stacklevel=5)  # Serializable.__init__

    # -- LangChain metadata -----------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "lemondata-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "api": self.api, **self._options()}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """The model serializes with ``dumpd``; the key is stored as a secret reference."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """``["lemon_adapters", "langchain"]``, where the class is importable from."""
        return ["lemon_adapters", "langchain"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "LEMONDATA_API_KEY"}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="lemondata",
            ls_model_name=str(kwargs.get("model") or self.model),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stops = stop or self.stop
        if stops:
            params["ls_stop"] = stops
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        """The family's facts from the package's documented table (never a request);
        ``None`` for a name the table does not know. Pass ``profile=`` to state it."""
        return cast("ModelProfile | None", profile_for(self.model))

    # -- token counts: estimated locally (never a download, never a request) ------------

    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens in ``text``, without a tokenizer (LangChain's default would
        load GPT-2's from the network). Calibrated on OpenAI's ``o200k_base``; the error
        per language is in :mod:`lemon_adapters.core.tokens`."""
        return count_tokens(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Estimated prompt tokens of ``messages`` (framing included) and ``tools``, as
        ``trim_messages(token_counter=model)`` asks for."""
        specs = [convert_to_openai_tool(t) for t in tools or ()]
        return count_message_tokens(to_neutral_messages(messages), tools=specs)

    # -- clients (LemonDataFields makes them, cached per instance; close/aclose there) ----

    @property
    def client(self) -> LemonDataClient:
        """The core sync client (created on first use)."""
        return self.clients.sync

    @property
    def async_client(self) -> AsyncLemonDataClient:
        """The core async client for the running event loop (created on first use)."""
        return self.clients.async_

    # -- requests ----------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
            "reasoning_effort": self.reasoning_effort,
            "reasoning": self.reasoning,
            "thinking": self.thinking,
            "top_k": self.top_k,
            "cache_control": self.cache_control,
            "platform_cache": self.platform_cache,
        }
        if self.api in ("chat", "auto"):
            opts["stream_usage"] = self.stream_usage
        opts.update(self.model_kwargs)
        return {k: v for k, v in opts.items() if v is not None}

    def _turn(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Turn:
        params = {"api": self.api, "stop": self.stop, **self._options(), **kwargs}
        for key in _RUN_KWARGS:
            params.pop(key, None)
        if stop:
            params["stop"] = stop
        model = str(params.pop("model", None) or self.model)
        call = adapter_call(
            model=model,
            messages=to_neutral_messages(messages),
            params=params,
            extra_body=self.extra_body,
        )
        return Turn(model, call)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        turn = self._turn(messages, stop, kwargs)
        with translated_errors(turn.model), self.client.stream(**turn.call) as stream:
            for event in stream:
                chunk = turn.chunk(event)
                if chunk is not None:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        turn = self._turn(messages, stop, kwargs)
        with translated_errors(turn.model):
            async with self.async_client.stream(**turn.call) as stream:
                async for event in stream:
                    chunk = turn.chunk(event)
                    if chunk is not None:
                        if run_manager:
                            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        turn = self._turn(messages, stop, kwargs)
        with translated_errors(turn.model):
            return turn.chat_result(self.client.create(**turn.call))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        turn = self._turn(messages, stop, kwargs)
        with translated_errors(turn.model):
            return turn.chat_result(await self.async_client.create(**turn.call))

    # -- tools and structured output ---------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to the model.

        Args:
            tools: dicts (OpenAI or Responses shape), pydantic models, functions or tools.
            tool_choice: ``"auto"``, ``"any"``/``"required"``/``True`` (must call one),
                ``"none"``, a tool name, or a dict in either API's shape.
            parallel_tool_calls: allow several calls in one turn (``None``: server default).
            strict: ask for schema-exact arguments (OpenAI structured outputs).
            **kwargs: bound to every call.
        """
        formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = tool_choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Method = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Answers parsed into ``schema`` (pydantic class, TypedDict or JSON schema).

        ``function_calling`` (default: the most widely supported across LemonData's
        models) forces a tool call; ``json_schema`` sends a structured-output format
        (``response_format`` on Chat, ``text.format`` on Responses); ``json_mode`` asks
        for any JSON object.
        """
        return structured_output(
            self, schema, method, include_raw=include_raw, strict=strict, **kwargs
        )
