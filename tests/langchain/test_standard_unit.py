"""langchain-tests' standard unit suite, unmodified, for both APIs."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from lemon_adapters.langchain import ChatLemonData


class TestChatLemonDataUnitResponses(ChatModelUnitTests):
    """Every standard unit test, on the Responses API (the default)."""

    @property
    def chat_model_class(self) -> type[ChatLemonData]:
        return ChatLemonData

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "api": "responses"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "LEMONDATA_API_KEY": "sk-from-env",
                "LEMONDATA_BASE_URL": "https://gateway.example/v1",
            },
            {"model": "gpt-4o-mini"},
            {"api_key": "sk-from-env", "base_url": "https://gateway.example/v1"},
        )

    @property
    def model_override_value(self) -> str:
        return "claude-sonnet-4-5"


class TestChatLemonDataUnitChat(TestChatLemonDataUnitResponses):
    """Every standard unit test, on the Chat Completions API."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "gpt-4o-mini", "api": "chat"}
