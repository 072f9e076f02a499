"""Functions run in worker processes (importable by spawned interpreters)."""

from __future__ import annotations

import os
from typing import Any


def stream_text(llm: Any) -> tuple[int, str]:
    """Stream one answer with a (pickled) ChatLemonData; the worker's pid and the text."""
    return os.getpid(), "".join(chunk.text for chunk in llm.stream("hi"))
