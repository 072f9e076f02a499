"""The offline model behind the web chat when ``LEMONDATA_API_KEY`` is not set.

A responder for :class:`lemon_adapters.testing.server.DevServer`: it calls ``get_weather`` for the
first turn, then answers in English, Korean and Chinese, so the page shows tool-call
arguments streaming and multi-byte text arriving in pieces.
"""

from __future__ import annotations

import json
from typing import Any

from lemon_adapters.testing.server import Reply

ANSWER = (
    "Seoul is 21°C with clear skies. 서울은 지금 맑고 기온은 21도입니다. "
    "首尔现在天气晴朗，气温二十一度。 Enjoy the walk!"
)


def _has_tool_result(api: str, body: dict[str, Any]) -> bool:
    if api == "chat":
        return any(m.get("role") == "tool" for m in body.get("messages") or ())
    items = body.get("input")
    return isinstance(items, list) and any(
        isinstance(i, dict) and i.get("type") == "function_call_output" for i in items
    )


def chat_responder(api: str, body: dict[str, Any]) -> Reply:
    """Call ``get_weather`` first, then answer from its result."""
    if body.get("tools") and not _has_tool_result(api, body):
        return Reply(
            tool_calls=[("get_weather", json.dumps({"city": "Seoul", "unit": "celsius"}))],
            chunk_chars=3,
        )
    return Reply(text=ANSWER, chunk_chars=6)
