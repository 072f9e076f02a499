"""What LlamaIndex needs to know about a model name, without asking the server.

LlamaIndex sizes prompts from ``LLMMetadata.context_window``; its own fallback (3,900
tokens) makes retrievers and chat memories throw most of their context away, and
``OpenAILike`` also reports ``is_function_calling_model=False``, which turns agents into
ReAct text parsers. A gateway serves hundreds of names, so this table only holds families
whose published limits are well known; anything else gets :data:`DEFAULT_CONTEXT_WINDOW`,
and an explicit ``context_window=`` always wins.

Values are the providers' published input context sizes (tokens) for their standard API
tier. Rows are matched in order against the lower-cased model name with any
``provider/`` prefix removed, so more specific prefixes come first.
"""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_CONTEXT_WINDOW = 128_000
"""Context window for names not in the table: generous, since modern models exceed it."""


class ModelFamily(NamedTuple):
    """One row of the table.

    Attributes:
        prefix: matched against the start of the normalized model name.
        context_window: input tokens the family accepts.
    """

    prefix: str
    context_window: int


FAMILIES: tuple[ModelFamily, ...] = (
    # OpenAI
    ModelFamily("gpt-5-chat", 128_000),
    ModelFamily("gpt-5", 400_000),
    ModelFamily("gpt-4.1", 1_047_576),
    ModelFamily("gpt-4o", 128_000),
    ModelFamily("chatgpt-4o", 128_000),
    ModelFamily("gpt-4-turbo", 128_000),
    ModelFamily("gpt-4-32k", 32_768),
    ModelFamily("gpt-4", 8_192),
    ModelFamily("gpt-3.5-turbo", 16_385),
    ModelFamily("gpt-oss", 131_072),
    ModelFamily("o1-mini", 128_000),
    ModelFamily("o1", 200_000),
    ModelFamily("o3", 200_000),
    ModelFamily("o4", 200_000),
    # Anthropic
    ModelFamily("claude", 200_000),
    # Google
    ModelFamily("gemini-1.5-pro", 2_097_152),
    ModelFamily("gemini-1.0", 32_760),
    ModelFamily("gemini", 1_048_576),
    ModelFamily("gemma", 131_072),
    # DeepSeek, Qwen, Moonshot, Zhipu
    ModelFamily("deepseek", 128_000),
    ModelFamily("qwen3-max", 262_144),
    ModelFamily("qwen-max", 32_768),
    ModelFamily("qwen-turbo", 1_000_000),
    ModelFamily("qwen", 131_072),
    ModelFamily("qwq", 131_072),
    ModelFamily("kimi", 131_072),
    ModelFamily("moonshot", 131_072),
    ModelFamily("glm", 128_000),
    # Meta
    ModelFamily("llama-3-", 8_192),
    ModelFamily("llama3-", 8_192),
    ModelFamily("llama", 131_072),
    # Mistral
    ModelFamily("codestral", 256_000),
    ModelFamily("mistral-large", 131_072),
    ModelFamily("mistral-medium", 131_072),
    ModelFamily("ministral", 131_072),
    ModelFamily("mistral", 32_768),
    ModelFamily("mixtral", 32_768),
    # xAI
    ModelFamily("grok-4-fast", 2_000_000),
    ModelFamily("grok-4", 256_000),
    ModelFamily("grok", 131_072),
    # Cohere
    ModelFamily("command-r", 128_000),
    ModelFamily("command-a", 256_000),
)


def family_of(model: str) -> ModelFamily | None:
    """The table row for ``model``, or ``None`` if its family is not listed. Never raises."""
    name = (model or "").strip().lower().rsplit("/", 1)[-1]
    for family in FAMILIES:
        if name.startswith(family.prefix):
            return family
    return None


def context_window_for(model: str) -> int:
    """The context window for ``model`` from the table, else :data:`DEFAULT_CONTEXT_WINDOW`."""
    family = family_of(model)
    return family.context_window if family else DEFAULT_CONTEXT_WINDOW
