"""Token counts estimated without a tokenizer: no vocabulary file, no download, no dependency.

:func:`count_tokens` splits text the way byte-pair tokenizers pre-split it (runs of Latin
letters, digits, whitespace, punctuation, and runs of each East Asian script) and charges
each run what OpenAI's ``o200k_base`` encoding (gpt-4o, gpt-4.1, gpt-5, o-series) charges
on average for such a run:

* a Latin-script word (with its leading space) is one token up to 8 letters, then about
  one more per 5 letters, and a contraction's tail (``'t``, ``'re``) one more; digits go
  in groups of 3 (as ``o200k_base`` splits numbers);
* a run of Hangul syllables (a Korean word) costs 0.6 + 0.55 per syllable, Han characters
  0.72 each, a run of kana 0.3 + 0.65 per character;
* a newline run or a run of two or more spaces is one token; a punctuation run one per
  two marks (at least one); anything else (emoji, rare symbols) one per two UTF-8 bytes.

Measured by ``bench/tokens.py`` against the exact ``o200k_base`` counts (``tiktoken`` with
the vocabulary that ``llama-index-core`` ships), mean / max relative error per text, on
samples the coefficients were fitted on and on held-out ones: English 7% / 20% (held out
8% / 24%), Korean 8% / 18% (8% / 18%), Chinese 15% / 46% (11% / 26%; common Chinese words
and names are single tokens, which no rule can know). Against ``cl100k_base`` (gpt-4,
gpt-3.5, text-embedding-3-*) English is as close, but Korean and Chinese count 35-40%
more tokens than this estimate. Other vendors' tokenizers (Claude, Gemini, Qwen...) differ
again, so treat the result as an estimate for budgeting and trimming, never as a bill: the
server's ``usage`` is what is charged.

:func:`count_message_tokens` adds the per-message framing that OpenAI's cookbook gives
for chat models (3 tokens per message, 1 for a ``name``, 3 to prime the reply).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "IMAGE_TOKENS",
    "apportion",
    "count_message_tokens",
    "count_tokens",
]

#: Tokens charged per message, per ``name`` field, and to prime the reply (OpenAI cookbook,
#: "How to count tokens with tiktoken", for gpt-3.5-turbo-0613 and every later chat model).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
#: What an image part counts: OpenAI's charge for a low-detail image, a floor for others.
IMAGE_TOKENS = 85

_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007"
_KANA = "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_CJK = _HANGUL + _HAN + _KANA

#: One alternative per kind of run; the group that matched names the kind.
_RUNS = re.compile(
    rf"(?P<hangul>[{_HANGUL}]+)"
    rf"|(?P<han>[{_HAN}]+)"
    rf"|(?P<kana>[{_KANA}]+)"
    rf"|(?P<word>[^\W\d_{_CJK}]+(?:['’][^\W\d_{_CJK}]+)?)"
    r"|(?P<digits>\d+)"
    r"|(?P<newlines>\s*\n\s*)"
    r"|(?P<spaces>[^\S\n]+)"
    r"|(?P<punct>[!-/:-@\[-`{-~\u2000-\u206f\u3000-\u303f\uff00-\uff65]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)


def _word(run: str) -> float:
    letters = len(run)
    if "'" in run or "’" in run:  # a contraction: "can't" is "can" + "'t"
        letters -= 3
        return 2.0 + max(0, letters - 8) / 5
    return 1.0 + max(0, letters - 8) / 5


def _spaces(run: str) -> float:
    return 0.0 if len(run) == 1 else 1.0  # a single space joins the next word's token


#: Tokens for a run of each kind, as a function of the run.
_COST: dict[str, Callable[[str], float]] = {
    "hangul": lambda run: 0.6 + 0.55 * len(run),
    "han": lambda run: 0.72 * len(run),
    "kana": lambda run: 0.3 + 0.65 * len(run),
    "word": _word,
    "digits": lambda run: math.ceil(len(run) / 3),
    "newlines": lambda run: 1.0,
    "spaces": _spaces,
    "punct": lambda run: max(1.0, 0.5 * len(run)),
    "other": lambda run: max(1.0, len(run.encode("utf-8", "surrogatepass")) / 2),
}


def count_tokens(text: str) -> int:
    """The estimated number of tokens in ``text`` (see the module docstring).

    Args:
        text: any text; the empty string counts 0.

    Returns:
        A non-negative estimate, calibrated on ``o200k_base``.
    """
    if not text:
        return 0
    total = 0.0
    for match in _RUNS.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        total += _COST[kind](match.group())
    return max(1, round(total))


def count_message_tokens(
    messages: Iterable[Mapping[str, Any]], tools: Iterable[Mapping[str, Any]] | None = None
) -> int:
    """The estimated prompt tokens of a chat conversation, framing included.

    Args:
        messages: neutral messages (``{"role": ..., "content": ...}``, as
            :class:`~lemon_adapters.core.request.call.Message` spells them, or OpenAI's shape):
            text content (a string or text parts), tool calls (name and arguments), tool
            results, reasoning text and a ``name`` are counted; an image part counts
            :data:`IMAGE_TOKENS`; other parts (files, audio) are not estimated.
        tools: tool definitions offered with the conversation, counted as their JSON text
            (servers render them into the prompt in a form of about that size).

    Returns:
        The sum over messages of :data:`TOKENS_PER_MESSAGE` plus their text's tokens, plus
        :data:`REPLY_PRIMING`, plus the tools' JSON.
    """
    total = REPLY_PRIMING
    for tool in tools or ():
        total += count_tokens(json.dumps(tool, ensure_ascii=False, default=str))
    for message in messages:
        total += TOKENS_PER_MESSAGE + count_tokens(str(message.get("role") or ""))
        if message.get("name"):
            total += TOKENS_PER_NAME + count_tokens(str(message["name"]))
        total += _content_tokens(message.get("content"))
        reasoning = message.get("reasoning_content")
        if isinstance(reasoning, str):
            total += count_tokens(reasoning)
        for call in message.get("tool_calls") or ():
            total += _tool_call_tokens(call)
    return total


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return count_tokens(content)
    if not isinstance(content, Sequence):
        return 0
    total = 0
    for part in content:
        if isinstance(part, str):
            total += count_tokens(part)
        elif isinstance(part, Mapping):
            if isinstance(part.get("text"), str):
                total += count_tokens(part["text"])
            elif part.get("type") in ("image_url", "image", "input_image"):
                total += IMAGE_TOKENS
    return total


def _tool_call_tokens(call: Any) -> int:
    if not isinstance(call, Mapping):
        return 0
    function = call.get("function", call)
    if not isinstance(function, Mapping):
        return 0
    arguments = function.get("arguments", function.get("args"))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False, default=str)
    return count_tokens(str(function.get("name") or "")) + count_tokens(arguments)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split the integer ``total`` into shares proportional to ``weights`` that add up to
    ``total`` exactly (largest remainder; equal shares when every weight is zero).

    Used to spread a request's reported token usage over the texts it carried.

    Args:
        total: a non-negative integer.
        weights: one non-negative weight per share.
    """
    if not weights:
        return []
    whole = float(sum(weights))
    if whole <= 0:
        weights, whole = [1.0] * len(weights), float(len(weights))
    exact = [total * w / whole for w in weights]
    shares = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: shares[i] - exact[i])
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares
