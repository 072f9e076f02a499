"""LemonData's error hints used to recover: ``did_you_mean``, ``retryable``, ``retry_after``.

Run: ``python examples/errors_and_retries.py`` (offline unless LEMONDATA_API_KEY is set).
Offline, the local server answers a misspelled model name with LemonData's documented 400
``model_not_found`` (``did_you_mean``, ``suggestions``, ``hint``), and model names
``error-<status>`` with the documented error JSON for that status.
"""

from __future__ import annotations

import os

from _offline import MODEL, lemondata

from lemon_adapters import LemonDataError, NotFoundError, RateLimitError
from lemon_adapters.langchain import ChatLemonData

OFFLINE = not os.environ.get("LEMONDATA_API_KEY")


def ask(model_name: str) -> str:
    """One question; the text of the answer."""
    return ChatLemonData(model=model_name, max_retries=0).invoke("Say hi").text


def main() -> None:
    """Recover from an unknown model name, and see what a rate limit carries."""
    try:
        ask("gpt-4o-minii")
    except NotFoundError as err:  # also langchain-core's model error class
        print(f"{type(err).__name__}: {err.message}")
        print(f"  did_you_mean={err.did_you_mean!r} suggestions={err.suggestions}")
        print(f"  hint={err.hint!r} retryable={err.retryable} request_id={err.request_id}")
        fixed = err.did_you_mean or MODEL
        print(f"retrying with {fixed!r}: {ask(fixed)[:60]}...")

    if OFFLINE:
        try:
            ask("error-429")
        except RateLimitError as err:
            print(
                f"{type(err).__name__}: retryable={err.retryable}, "
                f"retry after {err.retry_after}s (the client waits this long itself when "
                f"max_retries > 0, capped by max_retry_delay)"
            )
        except LemonDataError as err:  # every error the package raises
            print("unexpected:", err)


if __name__ == "__main__":
    with lemondata():
        main()
