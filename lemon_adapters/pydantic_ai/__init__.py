"""pydantic-ai adapter: :class:`LemonDataModel`, a pydantic-ai ``Model`` for every LemonData
model.

Needs ``pip install 'lemon-adapters[pydantic-ai]'``. Importing this module imports
``pydantic_ai``; ``import lemon_adapters`` alone never does.
"""

from __future__ import annotations

from .._extras import require

require("pydantic-ai", "lemon_adapters.pydantic_ai")

from .model import PROFILE, LemonDataModel  # noqa: E402

__all__ = ["PROFILE", "LemonDataModel"]
