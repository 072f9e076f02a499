"""The sections measured in processes of their own: HTTP/2 against HTTP/1.1 (a TLS server),
import times (fresh interpreters), peak memory and the long stream (probes)."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Any

from .runner import ROOT, Server, Stats, log

IMPORT_MODULES = (
    "lemon_adapters",
    "lemon_adapters.langchain",
    "lemon_adapters.llama_index",
    "langchain_openai",
    "llama_index.llms.openai",
    "langchain_anthropic",
    "llama_index.llms.anthropic",
    "langchain_core.language_models.chat_models",
    "llama_index.core",
    "openai",
    "anthropic",
    "httpx",
)
#: What every LangChain / LlamaIndex chat model must import: BaseChatModel lives in
#: langchain_core.language_models.chat_models, and any llama_index.core.* import runs
#: llama_index/core/__init__.py, which loads the whole of llama_index.core.
QUICK_IMPORTS = ("lemon_adapters", "lemon_adapters.langchain", "langchain_openai", "httpx")


@contextmanager
def tls_cert() -> Any:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl CLI)."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key,
                "-out",
                cert,
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        yield cert, key


def http2_section(streams: int, chunks: int, reps: int) -> dict[str, Any]:
    """200 concurrent streams over HTTP/1.1 and HTTP/2 (TLS, hypercorn, same server)."""
    import httpx

    from lemon_adapters import AsyncLemonDataClient

    from .contenders import core_async

    out: dict[str, Any] = {
        "streams": streams,
        "chunks": chunks,
        "samples": {},
        "connections": {},
        "errors": {},
    }
    with tls_cert() as (cert, key):
        server = Server("h2", "--cert", cert, "--key", key)
        root = f"https://127.0.0.1:{server.port}"
        old = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = cert  # httpx trusts it when building its SSL context
        try:
            stats = Stats(root, verify=cert)
            base = f"{root}/s/text-{chunks}/v1"
            with asyncio.Runner() as runner:
                runs = {
                    "ours, HTTP/1.1": core_async(base, "responses"),
                    "ours, HTTP/2 (http2=True)": core_async(base, "responses", http2=True),
                }
                assert AsyncLemonDataClient  # imported above so a failure shows here
                for rep in range(reps + 1):
                    log(f"  h2: round {rep}/{reps}" + (" (warm-up)" if rep == 0 else ""))
                    for name, run in runs.items():

                        async def many(run: Any = run) -> list[Any]:
                            return list(await asyncio.gather(*(run() for _ in range(streams))))

                        stats.accepts()  # starts the count
                        t0 = time.perf_counter()
                        try:
                            runner.run(many())
                        except Exception as exc:
                            out["errors"][name] = f"{type(exc).__name__}: {exc}"[:300]
                            continue
                        wall = time.perf_counter() - t0
                        if rep:
                            out["samples"].setdefault(name, []).append(wall)
                            # the h2 server counts connections used since the last call
                            out["connections"][name] = stats.accepts()
            stats.close()
            out["httpx"] = httpx.__version__
        finally:
            if old is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = old
            server.stop()
    return out


def imports_section(runs: int, modules: tuple[str, ...] = IMPORT_MODULES) -> dict[str, Any]:
    """Import time of each entry module in a fresh interpreter, ``runs`` times each."""
    code = (
        "import time, sys; t = time.perf_counter(); __import__(sys.argv[1]); "
        "print(time.perf_counter() - t)"
    )
    out: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    for _ in range(runs):
        for module in modules:
            if module in errors:
                continue
            proc = subprocess.run(
                [sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True
            )
            if proc.returncode:
                errors[module] = proc.stderr.strip().splitlines()[-1][:200]
                continue
            out.setdefault(module, []).append(float(proc.stdout))
    return {"samples": out, "errors": errors}


def probe(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.probe", *args], cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:300]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def memory_section(root: str, names: list[str], apis: Any, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for api in apis:
        for name in names:
            results = [probe("mem", name, api, root) for _ in range(runs)]
            if any("not_applicable" in r for r in results):
                continue  # e.g. the openai SDK on Messages
            ok = [r for r in results if "error" not in r]
            if not ok:
                out[f"{api}|{name}"] = {"error": results[0]["error"]}
                continue
            out[f"{api}|{name}"] = {
                "peak_increase": statistics.median(r["peak_increase"] for r in ok),
                "chunks": ok[0]["chunks"],
            }
    return out
