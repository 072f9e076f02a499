"""Every example runs on its own, offline, and shows what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extras import installed

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# What each example must print (besides exiting 0 without a traceback).
EXPECT = {
    "langchain_stream.py": ["sync:  You asked", "async: You asked", "'total_tokens'", "stop"],
    "langgraph_agent.py": ["[calling add]", '"a": 40', "[add returned 42]", "answer is 42"],
    "llamaindex_query_engine.py": [
        "According to the documents: Lemon juice is about five percent citric acid",
        "(from: 'Lemon juice is about five percent citric acid, which makes it sour.'",
        "mandarin orange",
    ],
    "langchain_retrieval.py": [
        "] Lemon juice is about five percent citric acid",
        "According to the documents: Lemon juice",
    ],
    "llamaindex_agent.py": ["arguments so far", "[calling add(", "[add returned 42]", "final:"],
    "structured_output.py": [
        "LangChain: Fruit(name='lemons', count=6)",
        "Fruit(name='limes', count=4)",
    ],
    "pydantic_ai_agent.py": [
        '[calling add] {"a": 40',
        "[add returned 42]",
        "The tool returned 42",
        "request id: req_",
    ],
    "openai_agents_agent.py": [
        '[calling add] {"a": 40',
        "[add returned 42]",
        "final: The tool returned 42",
    ],
    "reasoning.py": ["\033[2m", "reasoning tokens", "Is 19 prime?"],
    "errors_and_retries.py": [
        "did_you_mean='gpt-4o-mini'",
        "retrying with 'gpt-4o-mini'",
        "retry after 8.0s",
    ],
}


def run_offline(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command with no key in the environment, so it must use the local server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEMONDATA_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_every_example_is_listed() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_example_runs_offline(name: str) -> None:
    if name == "openai_agents_agent.py" and not installed("agents", "openai-agents"):
        pytest.skip("openai-agents is not installed (the first floors group has no openai-agents)")
    if name == "pydantic_ai_agent.py" and not installed("pydantic_ai", "pydantic-ai"):
        pytest.skip("pydantic-ai is not installed")
    proc = run_offline([sys.executable, str(EXAMPLES / name)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert "offline: LEMONDATA_API_KEY is not set" in proc.stdout
    for expected in EXPECT[name]:
        assert expected in proc.stdout, (expected, proc.stdout[-2000:])
