"""The Agents SDK tests need the openai-agents extra. It is not in ``test``: through mcp it
needs httpx and anyio above the core's floors (see pyproject.toml), so the first floors
group cannot install it; the second (``.venv-floors-agents``), the dev environment and the
other Pythons do, and there ``LEMON_TESTS_REQUIRE`` makes its absence an error."""

from __future__ import annotations

from ..extras import installed

collect_ignore_glob = [] if installed("agents", "openai-agents") else ["test_*.py"]
