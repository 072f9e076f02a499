"""``LemonDataModel``: a pydantic-ai ``Model`` on the lemon-adapters core.

Requests go through :class:`~lemon_adapters.AsyncLemonDataClient` (one per event loop,
see :mod:`lemon_adapters.core.http.pools`); this module converts pydantic-ai's messages,
tools and settings into the core's neutral call (``_convert``) and the core's events into
pydantic-ai's parts (``_stream``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    ModelResponsePart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
)
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.profiles import ModelProfile, ModelProfileSpec
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import RequestUsage

from lemon_adapters.core.errors import LemonDataError
from lemon_adapters.core.events import THINKING_BLOCKS, ApiChoice
from lemon_adapters.core.http.pools import model_connection
from lemon_adapters.core.request.call import Call, adapter_call
from lemon_adapters.core.tokens import count_message_tokens

from ._convert import (
    PROVIDER,
    REDACTED_ID,
    neutral_messages,
    settings_options,
    thinking_options,
    tools_and_output,
)
from ._stream import FINISH, LemonStreamedResponse, model_error, request_usage, response_facts

if TYPE_CHECKING:
    import httpx
    from pydantic_ai import RunContext

    from lemon_adapters.core.wire.accumulate import StreamResult

#: What this adapter sends for every model; a ``profile=`` argument replaces it.
PROFILE = ModelProfile(
    supports_tools=True,
    supports_json_schema_output=True,
    supports_json_object_output=True,
    supports_thinking=True,
    default_structured_output_mode="tool",
)


class LemonDataModel(Model):
    """Any LemonData model as a pydantic-ai model.

    Args:
        model_name: any model name the gateway serves (no name is refused locally).
        api: ``"auto"`` (default: Responses first, falling back per model to Chat
            Completions, and to the native Messages or Gemini route the gateway names), or
            only ``"responses"``, ``"chat"``, ``"messages"`` or ``"gemini"``.
        api_key: defaults to ``LEMONDATA_API_KEY``; checked when a request is made.
        base_url: defaults to ``LEMONDATA_BASE_URL``, else ``https://api.lemondata.cc/v1``.
        timeout: seconds (the idle time between chunks of a stream), or an ``httpx.Timeout``.
        stall_timeout: seconds a stream may go without progress (keep-alives and pings do
            not count) before it fails with ``APITimeoutError`` ``code="stream_stalled"``;
            default: the read timeout.
        max_retries: re-sends before the first event (connection errors, 408, 409, 429, 5xx).
        default_headers: extra headers on every request.
        http_client: an ``httpx.AsyncClient`` to send with (not closed by this model).
        settings: pydantic-ai model settings used as defaults for every request.
        profile: a pydantic-ai model profile replacing :data:`PROFILE`.
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
        settings: ModelSettings | None = None,
        profile: ModelProfileSpec | None = None,
    ) -> None:
        super().__init__(settings=settings, profile=profile or PROFILE)
        self._model_name = model_name
        self._api, self._base_url, self._clients = model_connection(
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

    @property
    def model_name(self) -> str:
        """The model name sent to the gateway."""
        return self._model_name

    @property
    def system(self) -> str:
        """``"lemondata"`` (the ``gen_ai.system`` telemetry attribute)."""
        return PROVIDER

    @property
    def base_url(self) -> str:
        """The gateway's ``/v1`` URL."""
        return self._base_url

    @property
    def api(self) -> ApiChoice:
        """The wire API requested."""
        return self._api

    async def aclose(self) -> None:
        """Close the connection pool of the running event loop (injected clients stay open)."""
        await self._clients.aclose()

    def _call(
        self,
        messages: list[ModelMessage],
        settings: ModelSettings | None,
        params: ModelRequestParameters,
    ) -> tuple[Call, ModelRequestParameters]:
        settings, params = self.prepare_request(settings, params)
        parts = self._get_instruction_parts(messages, params) or []
        instructions = "\n\n".join(p.content for p in parts if p.content)
        options: dict[str, Any] = {
            "api": self._api,
            **settings_options(settings),
            **thinking_options(params.thinking, self._api),
            **tools_and_output(params),
        }
        neutral = neutral_messages(instructions, messages)
        return adapter_call(model=self._model_name, messages=neutral, params=options), params

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """One non-streamed request; errors as in :meth:`request_stream`."""
        call, _ = self._call(messages, model_settings, model_request_parameters)
        try:
            result = await self._clients.async_.create(**call)
        except LemonDataError as exc:
            raise model_error(exc, self._model_name) from exc
        return response_of(result, self._model_name)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        """A streamed request. The first event is awaited before the response is handed
        out, so a failed request (an HTTP error, a refused connection) raises here, where
        ``FallbackModel`` catches it: ``ModelHTTPError`` for an HTTP status,
        ``ModelAPIError`` otherwise, our typed error as the ``__cause__``."""
        call, params = self._call(messages, model_settings, model_request_parameters)
        stream = self._clients.async_.stream(**call)
        async with stream:
            try:
                first = await stream.__anext__()
            except StopAsyncIteration:
                first = None
            except LemonDataError as exc:
                raise model_error(exc, self._model_name) from exc
            yield LemonStreamedResponse(
                model_request_parameters=params,
                _model_name=self._model_name,
                _stream=stream,
                _first=first,
                _provider_url=self._base_url,
            )

    async def count_tokens(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> RequestUsage:
        """The prompt's tokens, estimated offline (:mod:`lemon_adapters.core.tokens`)."""
        call, _ = self._call(messages, model_settings, model_request_parameters)
        tools = call.get("tools") or ()
        return RequestUsage(input_tokens=count_message_tokens(call["messages"], tools))


def response_of(result: StreamResult, model_name: str) -> ModelResponse:
    """A finished result as pydantic-ai's response: thinking (signed where the Messages
    API signed it), text, then tool calls; a Gemini answer's parts in ``provider_details``."""
    parts: list[ModelResponsePart] = []
    # Messages API thinking blocks, one part each; a Gemini answer's signatures stay on
    # its parts, kept whole in provider_details (see response_facts).
    blocks = result.finished_blocks if result.api != "gemini" else []
    signed = [b for b in blocks if b.type in THINKING_BLOCKS]
    for done in signed:
        if done.type == "thinking":
            # The block's own text: a turn may hold several thinking blocks, each signed.
            text = done.thinking or ""
            parts.append(
                ThinkingPart(content=text, signature=done.signature, provider_name=PROVIDER)
            )
        else:
            parts.append(
                ThinkingPart(
                    content="", id=REDACTED_ID, signature=done.data, provider_name=PROVIDER
                )
            )
    if result.reasoning and not signed:
        parts.append(ThinkingPart(content=result.reasoning, provider_name=PROVIDER))
    if result.text:
        parts.append(TextPart(content=result.text))
    for call in result.tool_calls:
        parts.append(
            ToolCallPart(tool_name=call.name or "", args=call.arguments, tool_call_id=call.id or "")
        )
    reason = result.finish_reason
    return ModelResponse(
        parts=parts,
        usage=request_usage(result.usage) if result.usage else RequestUsage(),
        model_name=result.model or model_name,
        provider_name=PROVIDER,
        provider_response_id=result.response_id,
        provider_details=response_facts(result, result.raw_finish_reason),
        finish_reason=FINISH[reason] if reason else None,
    )
