"""The floor and the ceiling: raw httpx, reading lines and JSON, or bytes only."""

from __future__ import annotations

import json

from ._base import AsyncRun, Result, SyncRun, _floor_body, _headers, _is_content, _url, perf

# -- floor and ceiling: raw httpx ------------------------------------------------------


def floor_sync(base: str, api: str) -> SyncRun:
    import httpx

    client = httpx.Client(timeout=60)
    url, body, headers = _url(base, api), _floor_body(api), _headers(api)
    loads = json.loads

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=headers) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    if _is_content(api, loads(data)):
                        n += 1
                        if first is None:
                            first = perf()
        return n, first

    return run


def floor_async(base: str, api: str) -> AsyncRun:
    import httpx

    client = httpx.AsyncClient(timeout=60)
    url, body, headers = _url(base, api), _floor_body(api), _headers(api)
    loads = json.loads

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=headers) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    if _is_content(api, loads(data)):
                        n += 1
                        if first is None:
                            first = perf()
        return n, first

    return run


def bytes_sync(base: str, api: str) -> SyncRun:
    """The ceiling: bytes through httpx, nothing parsed (chunks = bytes read)."""
    import httpx

    client = httpx.Client(timeout=60)
    url, body, headers = _url(base, api), _floor_body(api), _headers(api)

    def run() -> Result:
        n, first = 0, None
        with client.stream("POST", url, json=body, headers=headers) as r:
            for chunk in r.iter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first  # negative: a byte count, not chunks (not validated)

    return run


def bytes_async(base: str, api: str) -> AsyncRun:
    import httpx

    client = httpx.AsyncClient(timeout=60)
    url, body, headers = _url(base, api), _floor_body(api), _headers(api)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream("POST", url, json=body, headers=headers) as r:
            async for chunk in r.aiter_bytes():
                n += len(chunk)
                if first is None:
                    first = perf()
        return -n, first

    return run
