"""``LemonDataModel`` and ``LemonDataProvider``: an OpenAI Agents SDK ``Model`` and
``ModelProvider`` on the lemon-adapters core.

Requests go through :class:`~lemon_adapters.AsyncLemonDataClient` (one per event loop);
``_convert`` turns the SDK's input items, tools and settings into the core's neutral call,
``_events`` turns the core's events into the Responses stream events the Runner consumes,
on every API. Errors are ours (typed, with LemonData's hints); :meth:`get_retry_advice`
tells the SDK's retry policies what they say.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from agents.items import ModelResponse
from agents.models.interface import Model, ModelProvider, ModelTracing
from agents.retry import ModelRetryAdvice, ModelRetryAdviceRequest, ModelRetryNormalizedError
from agents.tracing import SpanError, generation_span
from agents.usage import Usage
from openai.types.responses import ResponseCompletedEvent

from lemon_adapters.core.errors import APIConnectionError, APITimeoutError, LemonDataError
from lemon_adapters.core.events import ApiChoice
from lemon_adapters.core.http.pools import model_connection
from lemon_adapters.core.request.call import Call, adapter_call

from ._convert import neutral_messages, output_format, settings_options, tool_specs
from ._events import ResponsesEvents

if TYPE_CHECKING:
    import httpx
    from agents.agent_output import AgentOutputSchemaBase
    from agents.handoffs import Handoff
    from agents.items import TResponseInputItem, TResponseStreamEvent
    from agents.model_settings import ModelSettings
    from agents.tool import Tool
    from agents.tracing import GenerationSpanData, Span
    from openai.types.responses import Response
    from openai.types.responses.response_prompt_param import ResponsePromptParam


class LemonDataModel(Model):
    """Any LemonData model as an Agents SDK model.

    Args:
        model_name: any model name the gateway serves (no name is refused locally).
        api: ``"auto"`` (default), ``"responses"``, ``"chat"``, ``"messages"`` or ``"gemini"``.
        api_key: defaults to ``LEMONDATA_API_KEY``; checked when a request is made.
        base_url: defaults to ``LEMONDATA_BASE_URL``, else ``https://api.lemondata.cc/v1``.
        timeout: seconds (the idle time between chunks of a stream), or an ``httpx.Timeout``.
        stall_timeout: seconds a stream may go without progress (keep-alives and pings do
            not count) before it fails with ``APITimeoutError`` ``code="stream_stalled"``;
            default: the read timeout.
        max_retries: re-sends before the first event (connection errors, 408, 409, 429, 5xx).
        default_headers: extra headers on every request.
        http_client: an ``httpx.AsyncClient`` to send with (not closed by this model).
    """

    def __init__(
        self,
        model_name: str,
        *,
        api: ApiChoice = "auto",
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        stall_timeout: float | None = None,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.model = model_name
        self.api, self.base_url, self._clients = model_connection(
            self,
            api=api,
            base_url=base_url,
            http_client=http_client,
            api_key=api_key,
            timeout=timeout,
            stall_timeout=stall_timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )

    def __repr__(self) -> str:
        return f"LemonDataModel(model={self.model!r}, api={self.api!r}, base_url={self.base_url!r})"

    async def close(self) -> None:
        """Close the running event loop's connection pool (injected clients stay open)."""
        await self._clients.aclose()

    def _call(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
    ) -> Call:
        specs = tool_specs(tools, handoffs)
        options: dict[str, Any] = {
            "api": self.api,
            **settings_options(model_settings),
            **output_format(output_schema),
        }
        if specs:
            options["tools"] = specs
        else:  # nothing to choose from: the APIs refuse tool options without tools
            options.pop("tool_choice", None)
            options.pop("parallel_tool_calls", None)
        messages = neutral_messages(system_instructions, input)
        return adapter_call(model=self.model, messages=messages, params=options)

    def _span(self, call: Call, tracing: ModelTracing) -> Span[GenerationSpanData]:
        config = {k: v for k, v in call.items() if k not in ("messages", "tools", "model")}
        span = generation_span(
            model=self.model,
            model_config={**config, "base_url": self.base_url},
            disabled=tracing.is_disabled(),
        )
        if tracing.include_data():
            span.span_data.input = list(call["messages"])
        return span

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> ModelResponse:
        """The whole response, from the same stream of events (so every API gives the same
        items); ``previous_response_id``, ``conversation_id`` and ``prompt`` are OpenAI
        server-side state the gateway does not keep, and are not sent."""
        final: Response | None = None
        async for event in self.stream_response(
            system_instructions,
            input,
            model_settings,
            tools,
            output_schema,
            handoffs,
            tracing,
            previous_response_id=previous_response_id,
            conversation_id=conversation_id,
            prompt=prompt,
        ):
            if isinstance(event, ResponseCompletedEvent):
                final = event.response
        assert final is not None  # the core raises on a stream without a finish
        usage = final.usage
        return ModelResponse(
            output=list(final.output),
            usage=Usage(
                requests=1,
                input_tokens=usage.input_tokens if usage else 0,
                output_tokens=usage.output_tokens if usage else 0,
                total_tokens=usage.total_tokens if usage else 0,
            ),
            response_id=final.id,
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        """The Responses stream events of one request, whatever API serves it; the SDK's
        tracing records the generation (its input with sensitive data on, its output and
        usage), as for the SDK's own models."""
        call = self._call(
            system_instructions, input, model_settings, tools, output_schema, handoffs
        )
        with self._span(call, tracing) as span:
            stream = self._clients.async_.stream(**call)
            events = ResponsesEvents(self.model)
            try:
                async with stream:
                    async for event in stream:
                        for out in events.feed(event):
                            if isinstance(out, ResponseCompletedEvent):
                                _record(span, out.response, tracing)
                            yield out
            except LemonDataError as exc:
                span.set_error(SpanError(message=type(exc).__name__, data={"error": str(exc)}))
                raise

    def get_retry_advice(self, request: ModelRetryAdviceRequest) -> ModelRetryAdvice | None:
        """What our typed error says about retrying: whether it is retryable, how long the
        server asked to wait, and whether output had already arrived (then a retry would
        repeat it). ``None`` for errors that are not ours."""
        error = _ours(request.error)
        if error is None:
            return None
        normalized = ModelRetryNormalizedError(
            status_code=error.status_code,
            error_code=error.code,
            message=error.message,
            request_id=error.request_id,
            retry_after=error.retry_after,
            is_network_error=isinstance(error, APIConnectionError),
            is_timeout=isinstance(error, APITimeoutError),
        )
        return ModelRetryAdvice(
            suggested=error.retryable,
            retry_after=error.retry_after,
            replay_safety="unsafe" if error.output_received else "safe",
            reason=str(error),
            normalized=normalized,
            response_started=bool(error.output_received),
        )


def _ours(error: BaseException | None) -> LemonDataError | None:
    while error is not None:
        if isinstance(error, LemonDataError):
            return error
        error = error.__cause__
    return None


def _record(span: Span[GenerationSpanData], response: Response, tracing: ModelTracing) -> None:
    if tracing.include_data():
        span.span_data.output = [response.model_dump()]
    usage = response.usage
    if usage is not None:
        span.span_data.usage = {
            "requests": 1,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
        }


class LemonDataProvider(ModelProvider):
    """Every LemonData model for ``RunConfig(model_provider=...)``: an agent's model name
    (or ``default_model`` when it names none) becomes a :class:`LemonDataModel` with these
    arguments, one per name.

    Args:
        default_model: the model of agents that name none.
        **kwargs: :class:`LemonDataModel`'s arguments (``api``, ``api_key``, ``base_url``...).
    """

    def __init__(self, default_model: str = "gpt-4o-mini", **kwargs: Any) -> None:
        LemonDataModel(default_model, **kwargs)  # refuses a bad argument now, not at run time
        self.default_model = default_model
        self._kwargs = kwargs
        self._models: dict[str, LemonDataModel] = {}

    def get_model(self, model_name: str | None) -> Model:
        name = model_name or self.default_model
        model = self._models.get(name)
        if model is None:
            model = self._models[name] = LemonDataModel(name, **self._kwargs)
        return model

    async def aclose(self) -> None:
        """Close the models' connection pools of the running event loop."""
        for model in self._models.values():
            await model.close()
