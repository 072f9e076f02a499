#!/usr/bin/env python3
"""Project tasks with nothing but Python and pip: ``python3 tasks.py demo|test|lint|bench``.

Each task creates ``.venv`` on first use and reinstalls the project into it whenever
``pyproject.toml`` changes, then runs inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".lemon-installed"


def ensure_env(extras: str = "dev") -> None:
    """Create the virtual environment and install the project with ``extras``."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest and PY.exists():
        return
    if not PY.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(
        f"installing lemon-adapters[{extras}] into .venv (first run takes a minute) ...", flush=True
    )
    run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([str(PY), "-m", "pip", "install", "-q", "-e", f".[{extras}]"])
    STAMP.write_text(digest)


def run(cmd: list[str]) -> None:
    """Run a command in the project root; exit with its code if it fails."""
    code = subprocess.call(cmd, cwd=ROOT)
    if code:
        sys.exit(code)


def main() -> None:
    """Dispatch ``sys.argv[1]``; extra arguments go to the task."""
    task, rest = (sys.argv[1] if len(sys.argv) > 1 else "help"), sys.argv[2:]
    if task == "demo":
        ensure_env()
        run([str(PY), "-m", "lemon_adapters.demo", *rest])
    elif task == "test":
        ensure_env()
        run([str(PY), "-m", "pytest", *rest])
    elif task == "lint":
        ensure_env()
        paths = ["lemon_adapters", "tests", "examples", "bench", "tools", "tasks.py"]
        run([str(BIN / "ruff"), "check", *paths])
        run([str(BIN / "ruff"), "format", "--check", *paths])
        run([str(BIN / "mypy"), "--strict", "lemon_adapters"])
    elif task == "bench":
        ensure_env("dev,bench")
        run([str(PY), "-m", "bench", *rest])
    else:
        print(__doc__)
        sys.exit(0 if task == "help" else 2)


if __name__ == "__main__":
    main()
