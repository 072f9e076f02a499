"""README.md stays true: its code blocks run, offline, against a local LemonData-shaped server.

Python blocks run as scripts. Shell blocks run where that is possible offline: the Quick
start demo command, the CLI commands. The rest are checked against what they refer to:
the test command is the one `.ci/run` calls, the extras named in `pip install` exist, and
the development commands are tasks that `tasks.py` knows.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lemon_adapters.testing.server import DevServer, demo_responder
from tests.extras import installed

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.S | re.M)
PYTHON = [code for lang, code in BLOCKS if lang == "python" and "lemon_server" not in code]
#: Blocks that are pytest modules using the testing kit's fixture: run under pytest.
PYTEST = [code for lang, code in BLOCKS if lang == "python" and "lemon_server" in code]
SHELL = [code for lang, code in BLOCKS if lang == "bash"]


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    # The demo assistant; a misspelled model name gets LemonData's documented 400
    # model_not_found with did_you_mean, as the gateway answers it.
    with DevServer(demo_responder) as srv:
        yield srv


def offline_env(server: DevServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEMONDATA_")}
    if server is not None:
        env["LEMONDATA_API_KEY"] = "sk-readme-test"
        env["LEMONDATA_BASE_URL"] = server.base_url
    return env


def test_readme_has_the_blocks_this_test_expects() -> None:
    assert len(PYTHON) >= 7 and len(SHELL) >= 4 and len(PYTEST) >= 1


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_block_runs(index: int, server: DevServer) -> None:
    code = PYTHON[index]
    # The first floors group has no openai-agents (see tests/extras.py).
    for module, extra in (("agents", "openai-agents"), ("pydantic_ai", "pydantic-ai")):
        if f"from {module} import" in code and not installed(module, extra):
            pytest.skip(f"{module} is not installed")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=offline_env(server),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"README python block {index}:\n{code}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"README python block {index} printed nothing"
    if "did_you_mean" in code:
        assert "gpt-4o-mini" in proc.stdout  # the hint came back and was printed


@pytest.mark.parametrize("index", range(len(PYTEST)))
def test_pytest_block_passes_with_the_plugin(index: int, tmp_path: Path) -> None:
    # The fixture comes from the pytest11 entry point alone: no conftest, no -p option.
    module = tmp_path / "test_readme_block.py"
    module.write_text(PYTEST[index])
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=ROOT,
        env=offline_env(None),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    tests = PYTEST[index].count("\ndef test_")
    assert proc.returncode == 0, f"README pytest block {index}:\n{proc.stdout[-3000:]}"
    assert f"{tests} passed" in proc.stdout


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    quick = README.split("## Quick start", 1)[1]
    block = re.search(r"^```bash\n(.*?)^```", quick, flags=re.S | re.M)
    assert block is not None
    commands = [c for c in block.group(1).splitlines() if c.strip() and not c.startswith("#")]
    assert commands == ["python3 tasks.py demo", "python3 tasks.py test"]
    assert "python3 tasks.py test" in (ROOT / ".ci" / "run").read_text()


def test_quick_start_demo_command_runs_offline() -> None:
    proc = subprocess.run(
        [sys.executable, "tasks.py", "demo", "--delay", "0.002", "--jitter", "0.002"],
        cwd=ROOT,
        env=offline_env(None),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "local LemonData-shaped server" in proc.stdout
    assert proc.stdout.count("time to first token") == 3


def test_cli_commands_in_readme_run(server: DevServer) -> None:
    commands = [
        line for code in SHELL for line in code.splitlines() if line.startswith("lemon-adapters ")
    ]
    assert len(commands) >= 2
    for command in commands:
        args = shlex.split(command)
        proc = subprocess.run(
            [sys.executable, "-m", "lemon_adapters.cli", *args[1:]],
            cwd=ROOT,
            env=offline_env(server),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, (command, proc.stderr[-2000:])
        assert "According to the documents" in proc.stdout or "You asked" in proc.stdout


def test_install_extras_exist() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    extras = set(
        re.findall(
            r"^([\w-]+) = \[",
            pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0],
            flags=re.M,
        )
    )
    named = set(re.findall(r"lemon-adapters\[([\w,]+)\]", README))
    assert named, "README names no extras"
    for group in named:
        assert set(group.split(",")) <= extras, (group, extras)
    assert 'name = "lemon-adapters"' in pyproject


def test_development_commands_are_known_tasks() -> None:
    tasks = (ROOT / "tasks.py").read_text()
    lines = [
        line for code in SHELL for line in code.splitlines() if line.startswith("python3 tasks.py")
    ]
    assert lines
    for line in lines:
        task = line.split()[2]
        assert f'task == "{task}"' in tasks, line
