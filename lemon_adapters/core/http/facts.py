"""What LemonData's response headers state about an answer, and the one-time log of the
gateway's native-route advice (process-wide, so a hint is logged once per model)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from lemon_adapters.core.errors import request_id_of

logger = logging.getLogger("lemon_adapters")


def response_facts(headers: Mapping[str, str]) -> dict[str, Any]:
    """What LemonData's response headers state about the answer (see ``StreamResult``)."""
    return {
        "request_id": request_id_of(headers),
        "cache_status": headers.get("x-cache-status"),
        "upstream_cache_read": _count(headers.get("x-upstream-cache-read")),
        "upstream_cache_write": _count(headers.get("x-upstream-cache-write")),
        "native_endpoint": headers.get("x-lemondata-native-endpoint"),
        "native_hint": headers.get("x-lemondata-hint"),
    }


def _count(value: str | None) -> int | None:
    """A non-negative token count from a header, else None (a bad value is not guessed)."""
    return int(value) if value is not None and value.strip().isdigit() else None


class OnceLog:
    """Logs each key's message once per process (thread-safe)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def first(self, key: tuple[str, str]) -> bool:
        """Whether ``key`` is new (and now seen)."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            return True


_NATIVE_NOTED = OnceLog()


def note_native_route(base_url: str, model: str, facts: Mapping[str, Any]) -> None:
    """Log the gateway's native-route hint once per model (at INFO: it is advice, and a
    warning per call would drown everything else)."""
    if not facts["native_endpoint"] or not _NATIVE_NOTED.first((base_url, model)):
        return
    logger.info(
        "lemon_adapters: %s has a native route, %s: %s",
        model,
        facts["native_endpoint"],
        facts["native_hint"] or "(no hint text)",
    )
