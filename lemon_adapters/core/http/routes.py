"""Where each API lives on the gateway, when a route counts as rejected, and which route
answered ``api="auto"`` calls (pure, apart from the process-wide memory).

**Route table.** :data:`ROUTE_TABLE` maps each API to its path and the headers it needs;
adding a wire format's route is one row (a path may name the ``{model}`` and may sit at
the host's root beside ``/v1``, as Gemini's ``/v1beta/models/{model}:streamGenerateContent``
does). :data:`FALLBACK` says where a rejected route falls back to under ``api="auto"``.

**Route rejection** (``api="auto"``), decided by what LemonData's error bodies carry, in
this order (see :data:`REJECTIONS`):

1. HTTP 404, 405 or 501 that is not about the model itself (``code: model_not_found`` or
   ``param: model``): the route does not exist here.
2. HTTP 400 whose ``param`` names a field only the Responses API has (``instructions``,
   ``max_output_tokens``, ...): LemonData reports an unknown field as
   ``invalid_request_error`` with ``param``, so the model does not speak that route.
3. Last resort, for upstreams that send neither (documented here because it reads words):
   HTTP 400 or 503 whose message or code names the Responses route *and* says it is
   unsupported ("/v1/responses is not available for this provider").

When the fallback succeeds, the choice is remembered for ``(base_url, model)`` in
:data:`ROUTES`, a process-wide cache shared by all clients, so later ``"auto"`` calls for
that model go straight to the route that answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from lemon_adapters.core.errors import LemonDataError
from lemon_adapters.core.events import Api

#: The Anthropic API version the Messages route speaks (LemonData's docs send this one).
ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True, slots=True)
class Route:
    """Where one API is served.

    Attributes:
        path: appended to the base URL (``{model}`` is replaced by the quoted model name).
        headers: added to the call's headers.
        params: the query string.
        at_root: the path starts at the host's root instead of the ``/v1`` base URL.
    """

    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    at_root: bool = False

    def url(self, base_url: str, model: str) -> str:
        """The URL of this route for ``model`` at ``base_url`` (a route ``at_root`` sits
        beside ``/v1``: the base URL without its ``/v1``, so a gateway mounted under a
        path prefix keeps it)."""
        path = self.path.replace("{model}", quote(model, safe=""))
        if not self.at_root:
            return base_url + path
        return base_url.removesuffix("/v1") + path


ROUTE_TABLE: dict[Api, Route] = {
    "responses": Route("/responses"),
    "chat": Route("/chat/completions"),
    "messages": Route("/messages", headers={"anthropic-version": ANTHROPIC_VERSION}),
    # The key goes in the Authorization header (LemonData documents it for this format),
    # never in the URL as Google's ?key= would, where logs and proxies keep it.
    "gemini": Route(
        "/v1beta/models/{model}:streamGenerateContent", params={"alt": "sse"}, at_root=True
    ),
}
#: The Gemini route of a call that is not streamed (``create``): one JSON answer.
GEMINI_WHOLE = Route("/v1beta/models/{model}:generateContent", at_root=True)
#: What a native-endpoint header naming the Gemini route starts with (``/v1beta/gemini``).
GEMINI_PREFIX = "/v1beta"


def route_for(api: Api, *, stream: bool) -> Route:
    """The route of a call on ``api`` (Gemini names its non-streaming method apart)."""
    return GEMINI_WHOLE if api == "gemini" and not stream else ROUTE_TABLE[api]


#: ``api="auto"``: the route tried when the first one is rejected (once per call).
FALLBACK: dict[Api, Api] = {"responses": "chat"}

#: Statuses that mean "this route does not exist here" (not "this request is wrong").
ROUTE_STATUSES = frozenset({404, 405, 501})
#: Fields only the Responses API has; a 400 naming one as its ``param`` means the route.
RESPONSES_ONLY_FIELDS = frozenset(
    {
        "input",
        "instructions",
        "max_output_tokens",
        "text",
        "previous_response_id",
        "background",
        "include",
        "store",
        "truncation",
    }
)
#: The last resort's words (rule 3): a message must name the route and one of these.
UNSUPPORTED_WORDS = (
    "not supported",
    "unsupported",
    "not available",
    "does not support",
    "not implemented",
    "no route",
    "not found",
)


def _by_status(error: LemonDataError) -> bool:
    if error.status_code not in ROUTE_STATUSES:
        return False
    return (error.code or "").lower() != "model_not_found" and error.param != "model"


def _by_param(error: LemonDataError) -> bool:
    return error.status_code == 400 and error.param in RESPONSES_ONLY_FIELDS


def _by_text(error: LemonDataError) -> bool:
    if error.status_code not in (400, 503):
        return False
    text = f"{error.message} {error.code or ''}".lower()
    return "responses" in text and any(word in text for word in UNSUPPORTED_WORDS)


#: The rules of a route rejection, most structured first (see the module docstring).
REJECTIONS: tuple[Callable[[LemonDataError], bool], ...] = (_by_status, _by_param, _by_text)


def is_route_rejection(error: LemonDataError) -> bool:
    """Whether ``error`` says the route itself is unavailable for the model (before any
    output: a route that already answered was not rejected)."""
    if error.status_code is None or error.output_received:
        return False
    return any(rule(error) for rule in REJECTIONS)


class RouteMemory:
    """Which API answered ``"auto"`` requests, per ``(base_url, model)``, process-wide."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Api] = {}
        self._lock = threading.Lock()

    def get(self, base_url: str, model: str) -> Api | None:
        """The remembered API for ``model`` at ``base_url``, if any."""
        return self._routes.get((base_url, model))

    def remember(self, base_url: str, model: str, api: Api) -> None:
        """Record that ``model`` is served through ``api``."""
        with self._lock:
            self._routes[(base_url, model)] = api

    def forget(self, base_url: str | None = None, model: str | None = None) -> None:
        """Drop remembered routes (all, or those matching the given base URL / model)."""
        with self._lock:
            for key in list(self._routes):
                if (base_url is None or key[0] == base_url) and (model is None or key[1] == model):
                    del self._routes[key]

    def __len__(self) -> int:
        return len(self._routes)


#: The process-wide route cache used by ``api="auto"``.
ROUTES = RouteMemory()
