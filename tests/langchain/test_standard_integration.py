"""langchain-tests' standard integration suite, once per API, replayed from cassettes.

Cassettes live in ``cassettes/langchain/`` and are replayed with vcrpy in record mode
"none" (no network, no server). ``tools/record_cassettes_langchain.py`` re-records them
(see ``cassettes/README.md``).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests

from lemon_adapters.langchain import ChatLemonData

from .conftest import endpoint

pytestmark = pytest.mark.vcr


def _call(model: ChatLemonData, prompt: str, stream: bool) -> AIMessage:
    if not stream:
        return model.invoke(prompt)
    full: AIMessageChunk | None = None
    for chunk in model.stream(prompt):
        full = chunk if full is None else full + chunk
    assert full is not None
    return full


class TestChatLemonDataResponses(ChatModelIntegrationTests):
    """The standard integration suite on the Responses API.

    Capability flags left off, and why:

    - ``supports_audio_inputs``: the Responses API has no audio input part.
    - ``supports_anthropic_inputs``: Anthropic-native tools and content blocks belong to
      Anthropic's Messages API, not to the OpenAI-compatible APIs this model speaks.
    """

    @property
    def chat_model_class(self) -> type[ChatLemonData]:
        return ChatLemonData

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "api": "responses", **endpoint()}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True  # function_call_output carries input_image parts

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True  # function_call_output carries input_file parts

    @property
    def enable_vcr_tests(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "claude-sonnet-4-5"

    @property
    def supported_usage_metadata_details(self) -> dict[Any, list[Any]]:
        details = ["reasoning_output", "cache_read_input"]
        return {"invoke": details, "stream": details}

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        model = ChatLemonData(**self.chat_model_params, reasoning_effort="low")
        return _call(model, "Think it through: what is 3 + 4?", stream)

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        model = ChatLemonData(**self.chat_model_params, cache_control={"type": "ephemeral"})
        return _call(model, "Summarize the plot of Hamlet in one sentence.", stream)


class TestChatLemonDataChat(TestChatLemonDataResponses):
    """The standard integration suite on the Chat Completions API.

    Capability flags left off, and why:

    - ``supports_audio_inputs``: only a few audio models take ``input_audio``; the
      suite's model (``gpt-4o-mini``) does not.
    - ``supports_image_tool_message`` / ``supports_pdf_tool_message``: Chat Completions
      tool messages carry text only.
    - ``supports_anthropic_inputs``: as for the Responses API.
    """

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "api": "chat", **endpoint()}

    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False
