"""OpenAI Agents SDK adapter: :class:`LemonDataModel`, an Agents SDK ``Model`` for every
LemonData model, and :class:`LemonDataProvider` for ``RunConfig(model_provider=...)``.

Needs ``pip install 'lemon-adapters[openai-agents]'``. Importing this module imports
``agents``; ``import lemon_adapters`` alone never does.
"""

from __future__ import annotations

from .._extras import require

require("openai-agents", "lemon_adapters.openai_agents")

from .model import LemonDataModel, LemonDataProvider  # noqa: E402

__all__ = ["LemonDataModel", "LemonDataProvider"]
