"""A tokenizer hook for LlamaIndex that needs no vocabulary download."""

from __future__ import annotations

from ..core.tokens import count_tokens


def tokenizer(text: str) -> list[int]:
    """A list as long as the estimated token count of ``text``, for ``Settings.tokenizer``
    or ``TokenCountingHandler(tokenizer=...)``.

    LlamaIndex only takes the length of a tokenizer's output (to count tokens and to size
    chunks), so the list holds zeros, not token ids: it cannot be decoded. The count is
    :func:`lemon_adapters.core.tokens.count_tokens`, calibrated on OpenAI's
    ``o200k_base``; unlike LlamaIndex's default tokenizer it needs no ``tiktoken``
    vocabulary, so nothing is downloaded.
    """
    return [0] * count_tokens(text)
