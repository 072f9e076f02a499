"""The Agents SDK tests need the openai-agents extra, which the floors run does not install
(through mcp it needs httpx and anyio above the core's floors; see pyproject.toml)."""

from __future__ import annotations

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("agents") else ["test_*.py"]
