"""Ours: the core client (sync, async, and with the standard library's JSON reader)."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from ._base import APIS, KEY, MODEL, PROMPT, AsyncRun, NotApplicable, Result, SyncRun, perf

# -- ours: the core client -------------------------------------------------------------


MESSAGES = [{"role": "user", "content": PROMPT}]
#: The package our contenders import (``--baseline`` adds contenders that import the
#: baseline commit's copy of it, see :func:`baseline_contenders`).
PACKAGE = "lemon_adapters"
_API_LITERAL = re.compile(r"^Api(?:\s*:\s*TypeAlias)?\s*=\s*Literal\[([^\]]*)\]", re.M)


@functools.cache
def supported_apis(package: str) -> frozenset[str]:
    """The wire formats ``package``'s core streams, read from its ``Api = Literal[...]``
    definitions (without importing it), so a baseline commit that predates an API is never
    asked for it: an older client would take an unknown ``api`` for another one."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {package!r}")
    names: set[str] = set()
    for root in spec.submodule_search_locations:
        for path in sorted(Path(root).rglob("*.py")):
            for match in _API_LITERAL.finditer(path.read_text(encoding="utf-8")):
                names.update(re.findall(r"[\"'](\w+)[\"']", match[1]))
    return frozenset(names & set(APIS))


def _require(package: str, api: str) -> None:
    if api not in supported_apis(package):
        raise NotApplicable(f"{package} has no api={api!r}")


def core_sync(base: str, api: str, package: str = PACKAGE, **kwargs: Any) -> SyncRun:
    _require(package, api)
    pkg = importlib.import_module(package)
    text_delta, tool_call_delta = pkg.TextDelta, pkg.ToolCallDelta
    client = pkg.LemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    def run() -> Result:
        n, first = 0, None
        with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:
            for event in stream:
                if type(event) is text_delta or type(event) is tool_call_delta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


def core_async(base: str, api: str, package: str = PACKAGE, **kwargs: Any) -> AsyncRun:
    _require(package, api)
    pkg = importlib.import_module(package)
    text_delta, tool_call_delta = pkg.TextDelta, pkg.ToolCallDelta
    client = pkg.AsyncLemonDataClient(api_key=KEY, base_url=base, max_retries=0, **kwargs)

    async def run() -> Result:
        n, first = 0, None
        async with client.stream(model=MODEL, messages=MESSAGES, api=api) as stream:
            async for event in stream:
                if type(event) is text_delta or type(event) is tool_call_delta:
                    n += 1
                    if first is None:
                        first = perf()
        return n, first

    return run


class JsonReader:
    """Switches the core's JSON reader (``json_reader.json_decoder``) to ``name`` while a run holds
    it and restores the previous one after, also when the run fails. Overlapping runs (the
    concurrency section gathers many) share the switch: the first in switches, the last out
    restores."""

    def __init__(self, name: str) -> None:
        from lemon_adapters.core.wire import json_reader

        if name not in json_reader.JSON_DECODERS:
            raise ModuleNotFoundError(f"JSON reader {name!r} is not available")
        self.name = name
        self.holders = 0
        self.previous = name
        self._reader = json_reader

    def __enter__(self) -> None:
        if self.holders == 0:
            self.previous = self._reader.json_decoder()
            self._reader.json_decoder(self.name)
        self.holders += 1

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.holders -= 1
        if self.holders == 0:
            self._reader.json_decoder(self.previous)


@functools.cache
def json_reader(name: str) -> JsonReader:
    """The one switch per reader name (so concurrent runs share it)."""
    return JsonReader(name)


def with_json_reader(name: str, factory: Callable[[str, str], Any], is_async: bool) -> Any:
    """``factory`` whose runs each stream with the core's JSON reader set to ``name``."""

    def make(base: str, api: str) -> Any:
        reader = json_reader(name)
        run = factory(base, api)
        if is_async:

            async def arun() -> Result:
                with reader:
                    return await run()  # type: ignore[no-any-return]

            return arun

        def srun() -> Result:
            with reader:
                return run()  # type: ignore[no-any-return]

        return srun

    return make
