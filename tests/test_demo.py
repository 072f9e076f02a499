"""The main job and the CLI, run as a newcomer would, offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_examples import run_offline

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_demo_streams_all_three_frameworks(api: str) -> None:
    proc = run_offline(
        [
            sys.executable,
            "-m",
            "lemon_adapters.demo",
            "--api",
            api,
            "--delay",
            "0.002",
            "--jitter",
            "0.002",
        ]
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "local LemonData-shaped server" in out
    sections = ["LangChain chain", "LangGraph agent", "LlamaIndex query engine"]
    positions = [out.index(s) for s in sections]
    assert positions == sorted(positions)
    # the agent's arguments arrive in pieces, before the tool runs, then the answer
    agent = out[positions[1] : positions[2]]
    assert agent.index("[tool call] add(") < agent.index("[tool ran] add -> 42")
    assert agent.index("[tool ran] add -> 42") < agent.index("answer is 42")
    assert agent.count("\033[36m") >= 3  # several argument fragments
    assert out.count("time to first token") == 3
    assert "citric acid" in out[positions[2] :]
    engine = out[positions[2] :]  # LemonData embeddings and rerank, not a mock: real scores
    assert "text-embedding-3-small, BAAI/bge-reranker-v2-m3" in engine
    assert "source (relevance 0.6" in engine  # the citric-acid passage, ranked first
    assert engine.index("citric acid, which is why") < engine.index("Meyer lemons")
    assert "embedding tokens 0" not in engine and "embedding tokens " in engine
    # real usage reached all three, including LlamaIndex's TokenCountingHandler
    assert out.count("tokens in/out") == 3 and "tokens in/out 0/0" not in out


def test_ctrl_c_ends_the_demo_cleanly() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEMONDATA_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lemon_adapters.demo", "--delay", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A run started in the background by a shell without job control inherits SIGINT
        # ignored, and Python then installs no KeyboardInterrupt handler: restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 60
    while "== LangChain chain" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (seen + out, err)
    assert "interrupted" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("framework", ["langchain", "llamaindex", "core"])
@pytest.mark.parametrize("api", ["responses", "chat"])
def test_cli_chat_streams(framework: str, api: str) -> None:
    proc = run_offline(
        [
            sys.executable,
            "-m",
            "lemon_adapters.cli",
            "chat",
            "Is 17 prime?",
            "--framework",
            framework,
            "--api",
            api,
        ]
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "You asked: 'Is 17 prime?'" in proc.stdout
    assert "tokens in/out 12/" in proc.stdout
    assert "local LemonData-shaped server" in proc.stderr


def test_cli_reports_lemondata_hints_on_error() -> None:
    proc = run_offline(
        [sys.executable, "-m", "lemon_adapters.cli", "chat", "hi", "--model", "gpt-4o-minii"]
    )
    assert proc.returncode == 1
    assert "Did you mean 'gpt-4o-mini'?" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["chat", "--help"], ["demo", "--help"]])
def test_help_reads_as_plain_text(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lemon_adapters.cli", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage: lemon-adapters")
    for markup in ("``", ":class:", ":mod:", ":func:"):
        assert markup not in out


class _WatchedEnviron(dict[str, str]):
    """``os.environ`` stand-in that remembers every write."""

    writes: list[str]

    def __setitem__(self, key: str, value: str) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)

    def pop(self, key: str, *default: object) -> object:  # type: ignore[override]
        self.writes.append(key)
        return super().pop(key, *default)


@pytest.mark.parametrize("framework", ["core", "langchain", "llamaindex"])
def test_cli_passes_the_local_address_instead_of_rewriting_the_environment(
    framework: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lemon_adapters import cli

    watched = _WatchedEnviron({k: v for k, v in os.environ.items() if "LEMONDATA" not in k})
    watched.writes = []
    monkeypatch.setattr(os, "environ", watched)
    assert cli.main(["chat", "Hi", "--framework", framework, "--model", "gpt-4o-mini"]) == 0
    captured = capsys.readouterr()
    assert "You asked" in captured.out and "offline" in captured.err
    assert watched.writes == []
