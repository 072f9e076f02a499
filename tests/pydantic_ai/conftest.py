"""The pydantic-ai tests need the pydantic-ai extra (in the ``test`` extra, so every locked
environment has it, and there ``LEMON_TESTS_REQUIRE`` makes its absence an error; another
environment without it skips these)."""

from __future__ import annotations

from ..extras import installed

collect_ignore_glob = [] if installed("pydantic_ai", "pydantic-ai") else ["test_*.py"]
