"""The pydantic-ai tests need the pydantic-ai extra (in the ``test`` extra, so every locked
environment has it; an older environment without it skips these rather than failing)."""

from __future__ import annotations

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("pydantic_ai") else ["test_*.py"]
