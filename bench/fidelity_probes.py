"""Behaviour probes: what each contender does with a custom model name, default settings,
and a 503 with Retry-After."""

from __future__ import annotations

import json
from typing import Any

from .fidelity import CONTENDERS, Delivered, _run
from .fidelity_server import Replay, serving
from .fidelity_truth import MESSAGES_WIRE, WIRE

# -- behaviour probes -----------------------------------------------------------------------

_TEXT = "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body"
_RESP_TEXT = "resp__openai_gpt-4o__text__fantasy__0.body"
_MSG_TEXT = "msg__anthropic_claude-sonnet-4__text__fantasy__0.body"


def _probe_cells(
    server: Replay,
    body: bytes,
    api: str,
    fail_first: int,
    model: str | None,
    spec_usage: bool = False,
) -> list[tuple[str, int, Delivered, list[Any]]]:
    rows = []
    for c in CONTENDERS:
        if api not in c.apis:
            continue
        key, url = server.route(body, fail_first=fail_first, spec_usage=spec_usage)
        got = _run(c, api, url, model)
        reqs = server.requests.get(key, [])
        rows.append((c.name, len(reqs), got, reqs))
    return rows


def probes() -> dict[str, list[tuple[str, str]]]:
    """The three behaviour probes: {probe title: [(contender, finding)]}."""
    out: dict[str, list[tuple[str, str]]] = {}
    with serving() as server:
        text = (WIRE / _TEXT).read_bytes()
        rtext = (WIRE / _RESP_TEXT).read_bytes()
        mtext = (MESSAGES_WIRE / _MSG_TEXT).read_bytes()
        bodies = (("chat", text), ("responses", rtext), ("messages", mtext))
        for model in ("claude-sonnet-4-5", "deepseek-v3.2-exp"):
            rows = []
            for api, body in bodies:
                for name, n, got, _ in _probe_cells(server, body, api, 0, model):
                    if got.error is not None:
                        what = f"raised {type(got.error).__name__} ({str(got.error)[:70]})"
                    else:
                        what = f"streamed {len(got.text)} chars"
                    sent = "request sent" if n else "NO request sent"
                    rows.append((f"{name} [{api}]", f"{sent}; {what}"))
            out[f"(a) model name `{model}` (peers check names against their own tables)"] = rows
        rows = []
        for name, _, got, reqs in _probe_cells(server, text, "chat", 0, None, spec_usage=True):
            opts = (reqs[0] or {}).get("stream_options") if reqs else None
            asked = bool(opts and opts.get("include_usage"))
            what = "usage requested" if asked else "usage NOT requested"
            has = f"usage delivered {got.usage}" if got.usage else "NO usage delivered"
            rows.append((name, f"{what} (`stream_options`: `{json.dumps(opts)}`); {has}"))
        out[
            "(b) Chat Completions, custom base_url, default settings: usage requested? "
            "(the server sends the usage chunk only when asked, as the OpenAI spec says)"
        ] = rows
        rows = []
        for api, body in bodies:
            for name, n, got, _ in _probe_cells(server, body, api, 1, None):
                ok = got.error is None and bool(got.text)
                res = "stream OK" if ok else f"FAILED ({type(got.error).__name__})"
                rows.append((f"{name} [{api}]", f"{n} attempts; {res}"))
        out["(c) 503 + Retry-After: 0, then success (default retries)"] = rows
    return out
