"""Re-record the LlamaIndex cassettes: ``python -m tests.llama_index.record``.

With ``LEMONDATA_API_KEY`` set, the round trips run against the real gateway
(``LEMONDATA_BASE_URL`` or https://api.lemondata.cc/v1); without it, against a local
:class:`~lemon_adapters.testing.server.DevServer` playing the scripted responders in
``scenarios.py``. Either way the ``Authorization`` header is filtered out before a
cassette is written. See ``cassettes/README.md``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from lemon_adapters.llama_index import LemonData
from lemon_adapters.testing.server import DevServer, Responder

from . import scenarios
from .conftest import APIS, CASSETTE_MODEL, LI_CASSETTES, cassette


def _run(name: str, responder: Responder, api: str, scenario: Callable[[LemonData], Any]) -> None:
    key = os.environ.get("LEMONDATA_API_KEY")
    (LI_CASSETTES / f"{name}.yaml").unlink(missing_ok=True)  # "all" mode would append
    with ExitStack() as stack:
        if key:
            base_url = os.environ.get("LEMONDATA_BASE_URL") or "https://api.lemondata.cc/v1"
        else:
            base_url = stack.enter_context(DevServer(responder)).base_url
        llm = LemonData(model=CASSETTE_MODEL, api=api, base_url=base_url, api_key=key or "sk-dev")
        stack.enter_context(cassette(name, record=True))
        result = scenario(llm)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        llm.close()
    print(f"recorded {name}: {str(result)[:100]!r}", file=sys.stderr)


def main() -> None:
    """Record every cassette the LlamaIndex tests replay."""
    for api in APIS:
        _run(f"agent_{api}", scenarios.agent_responder, api, scenarios.run_agent)
        _run(f"query_{api}", scenarios.rag_responder, api, scenarios.query_streaming)
        _run(f"aquery_{api}", scenarios.rag_responder, api, scenarios.aquery_streaming)


if __name__ == "__main__":
    main()
