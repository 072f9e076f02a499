"""Model profiles from the documented family table, for both frameworks, never a request."""

from __future__ import annotations

import pytest

from lemon_adapters.core import profiles

FAMILIES = {
    "gpt-4o-mini": 128_000,
    "gpt-5": 272_000,
    "claude-sonnet-4-5": 200_000,
    "anthropic/claude-3.5-haiku": 200_000,
    "gemini-2.5-flash": 1_048_576,
    "deepseek-chat": 1_000_000,
    "qwen3-max": 262_144,
    "grok-4": 256_000,
}


@pytest.mark.parametrize(("model", "window"), list(FAMILIES.items()))
def test_langchain_profile_for_known_families(model: str, window: int) -> None:
    from lemon_adapters.langchain import ChatLemonData

    profile = ChatLemonData(model=model, api_key="sk-x").profile
    assert profile is not None
    assert profile.get("max_input_tokens") == window
    assert profile.get("tool_calling") is True
    assert isinstance(profile.get("max_output_tokens"), int)


def test_an_unknown_model_has_no_profile_and_a_stated_one_wins() -> None:
    from lemon_adapters.langchain import ChatLemonData

    assert ChatLemonData(model="some-new-model-2027", api_key="sk-x").profile is None
    stated = ChatLemonData(model="gpt-4o", api_key="sk-x", profile={"max_input_tokens": 9})
    assert stated.profile == {"max_input_tokens": 9}
    profiles.register("some-new-model", {"max_input_tokens": 32_000, "tool_calling": True})
    try:
        assert ChatLemonData(model="Some-New-Model-2027", api_key="sk-x").profile == {
            "max_input_tokens": 32_000,
            "tool_calling": True,
        }
    finally:
        profiles._extra.clear()


def test_summarization_middleware_with_a_fraction_trigger_accepts_the_model() -> None:
    from langchain.agents.middleware import SummarizationMiddleware

    from lemon_adapters.langchain import ChatLemonData

    model = ChatLemonData(model="claude-sonnet-4-5", api_key="sk-x")
    SummarizationMiddleware(model, trigger=("fraction", 0.8))  # needs max_input_tokens
    with pytest.raises(ValueError, match="profile"):
        SummarizationMiddleware(
            ChatLemonData(model="unknown-xyz", api_key="sk-x"), trigger=("fraction", 0.8)
        )


def test_llamaindex_metadata_reads_the_same_table() -> None:
    from lemon_adapters.llama_index import DEFAULT_CONTEXT_WINDOW, LemonData

    for model, window in FAMILIES.items():
        assert LemonData(model=model).metadata.context_window == window
    assert LemonData(model="unknown-xyz").metadata.context_window == DEFAULT_CONTEXT_WINDOW
    assert LemonData(model="unknown-xyz").metadata.is_function_calling_model
    assert LemonData(model="gpt-4o", context_window=5000).metadata.context_window == 5000


def test_rows_are_ordered_most_specific_first() -> None:
    rows = profiles.families()
    for i, (prefix, _) in enumerate(rows):
        shadowing = [p for p, _ in rows[:i] if prefix.startswith(p)]
        assert not shadowing, f"{prefix!r} is hidden behind {shadowing}"
