"""How far :func:`lemon_adapters.core.tokens.count_tokens` is from exact token counts.

Run with the project's environment (nothing here is needed at run time)::

    .venv/bin/python -m bench.tokens            # the table below, from the samples
    .venv/bin/python -m bench.tokens --verbose  # every sample

The exact counts come from ``tiktoken`` with OpenAI's ``o200k_base`` (gpt-4o, gpt-4.1,
gpt-5, o-series) and ``cl100k_base`` (gpt-4, gpt-3.5, text-embedding-3-*) vocabularies.
``tiktoken`` downloads those on first use, which this machine cannot; ``llama-index-core``
ships both files in its wheel (``llama_index/core/_static/tiktoken_cache``), so this script
points ``TIKTOKEN_CACHE_DIR`` there, and tiktoken checks each file's SHA-256 against the
hash it expects, so the counts are the real encodings' (the same two files are also in the
``bpe-openai`` wheel on PyPI, with the same hashes). ``--cache DIR`` uses another folder.

Relative error per sample is ``|estimate - exact| / exact``; the table gives its mean and
maximum per language, and the bias of the totals (``sum(estimate) / sum(exact) - 1``).

Measured on the samples in ``bench/token_samples.py`` (tiktoken 0.14.0; the estimator's
coefficients were fitted on the first set, the held-out set was written afterwards)::

    o200k_base     fitted on: mean / max      held out: mean / max
    English        6.9% / 20.0% (bias +1%)    8.1% / 23.5% (bias +3%)
    Korean         8.4% / 18.4% (bias -5%)    7.5% / 17.9% (bias -8%)
    Chinese       14.6% / 45.5% (bias -3%)   11.4% / 26.2% (bias -14%)
    Japanese      11.0% / 30.8% (bias +1%)

    cl100k_base    English 6.6% / 18.2%; Korean 38.0% / 53.2% and Chinese 32.1% / 50.0%,
                   both under-counted by 33-40%: cl100k spends about one token per CJK
                   character, o200k (what the estimate follows) about 0.6-0.8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from lemon_adapters.core.tokens import count_tokens

from .token_samples import HELD_OUT, SAMPLES

ENCODINGS = ("o200k_base", "cl100k_base")


def _llama_index_cache() -> str | None:
    try:
        import llama_index.core
    except ImportError:
        return None
    folder = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
    return str(folder) if folder.is_dir() else None


Row = tuple[str, int, float, float, float]


def measure(
    encoding_name: str, samples: dict[str, list[str]], *, verbose: bool = False
) -> list[Row]:
    """``(language, samples, mean relative error, max relative error, bias)`` rows."""
    import tiktoken

    encoding = tiktoken.get_encoding(encoding_name)
    rows = []
    for language, texts in samples.items():
        errors = []
        estimated = exact = 0
        for text in texts:
            want = len(encoding.encode(text))
            got = count_tokens(text)
            errors.append(abs(got - want) / want)
            estimated += got
            exact += want
            if verbose:
                print(f"  {language:8} exact {want:4} est {got:4}  {text[:50]!r}")
        rows.append(
            (language, len(texts), statistics.mean(errors), max(errors), estimated / exact - 1)
        )
    return rows


def main() -> None:
    """Print the error table for each encoding."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", help="a tiktoken cache folder holding the vocabularies")
    parser.add_argument("--verbose", action="store_true", help="print every sample")
    args = parser.parse_args()
    cache = args.cache or os.environ.get("TIKTOKEN_CACHE_DIR") or _llama_index_cache()
    if cache is None:
        sys.exit("no tiktoken vocabulary folder: install llama-index-core or pass --cache")
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    for name in ENCODINGS:
        for title, samples in (("fitted on", SAMPLES), ("held out", HELD_OUT)):
            print(f"\n{name}, samples {title}: relative error of count_tokens")
            print(f"{'language':10} {'samples':>7} {'mean':>7} {'max':>7} {'bias':>7}")
            for language, count, mean, worst, bias in measure(name, samples, verbose=args.verbose):
                print(f"{language:10} {count:7} {mean:7.1%} {worst:7.1%} {bias:+7.1%}")


if __name__ == "__main__":
    main()
