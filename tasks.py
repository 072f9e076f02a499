#!/usr/bin/env python3
"""Project tasks with nothing but Python and pip: ``python3 tasks.py <task> [args]``.

  demo     stream the demo (a local LemonData-shaped server unless LEMONDATA_API_KEY is set)
  test     run the test suite (pytest arguments pass through)
  lint     ruff check, ruff format --check, mypy --strict
  bench    the benchmark (installs the peers into .venv)
  fuzz     the long fuzz run over the recorded streams (--minutes N, --seed S)
  floors   the core's and adapters' tests with every runtime dependency at its lowest
           declared version, in .venv-floors; then the openai-agents extra at its floor
           (httpx and anyio at the lowest it admits), in .venv-floors-agents
  pythons  the quick suite on every other Python the package claims (3.10, 3.12, 3.13),
           each in its own .venv-pyXY; fails if one of them is not installed
  lock     refresh constraints.txt and the two floors locks to the newest allowed
           versions, then run the tests and the lint on them

Every environment installs from a committed lock: ``constraints.txt`` (the dev and bench
tools, every Python the package supports), ``constraints-floors.txt`` (the test extra with
the runtime dependencies at their floors) or ``constraints-floors-agents.txt`` (the same
plus the openai-agents extra at its floor, with httpx and anyio raised to what it needs).
A task reinstalls whenever ``pyproject.toml`` or its lock changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
FLOORS_VENV = ROOT / ".venv-floors"
LOCK = ROOT / "constraints.txt"
FLOORS_LOCK = ROOT / "constraints-floors.txt"
AGENTS_VENV = ROOT / ".venv-floors-agents"
AGENTS_LOCK = ROOT / "constraints-floors-agents.txt"
#: Installed from the lock before the project, so the install itself is pinned too.
TOOLS = ("pip", "hatchling", "editables")
#: The runtime requirements whose lowest versions the floors run installs.
FLOOR_SECTIONS = (
    "dependencies",
    "http2",
    "langchain",
    "llamaindex",
    "pydantic-ai",
    "fast",
)
#: The extra that cannot join the core's floors: openai-agents 0.20.0 needs mcp>=1.19.0,
#: and mcp 1.19.0 (its lowest) needs anyio>=4.5 and httpx>=0.27.1. With this extra those
#: are the lowest a user can have, so its floors group raises them to that, and only them.
#: `lock` checks them against uv's lowest resolution of lemon-adapters[openai-agents].
AGENTS_EXTRA = "openai-agents"
AGENTS_RAISES = {"httpx": "0.27.1", "anyio": "4.5.0"}
#: The framework extras whose tests skip where the framework is missing, by the extra that
#: brings them: a task sets ``LEMON_TESTS_REQUIRE`` (tests/extras.py) to those its
#: environment installs, so there they fail instead.
SKIPPABLE = {
    "test": ("pydantic-ai",),
    "dev": ("pydantic-ai", AGENTS_EXTRA),
    AGENTS_EXTRA: (AGENTS_EXTRA,),
}
REQUIRE = "LEMON_TESTS_REQUIRE"
#: What `lock` and `floors` leave out of the suite: long soak, browser, packaging.
QUICK = "not slow and not browser and not packaging"
#: The Pythons ``requires-python`` admits besides the toolchain's own (3.11), for `pythons`.
PYTHONS = ("3.10", "3.12", "3.13")
#: What `pythons` installs: the test extra and the openai-agents one, which the dev lock
#: (constraints.txt) pins too; openai-agents stays out of `test` itself, whose floors
#: (constraints-floors.txt) keep httpx and anyio below what it needs.
PYTHONS_EXTRAS = f"test,{AGENTS_EXTRA}"

#: Fails unless each ``name==version`` argument is what is installed.
CHECK_FLOORS = """
import sys
from importlib.metadata import version
from packaging.version import Version
got = {a.split("==")[0]: version(a.split("==")[0]) for a in sys.argv[1:]}
print("floors:", ", ".join(f"{n} {v}" for n, v in got.items()))
bad = [a for a in sys.argv[1:] if Version(got[a.split("==")[0]]) != Version(a.split("==")[1])]
sys.exit(f"not at the floor: {bad}" if bad else 0)
"""


def bin_of(env: Path) -> Path:
    """The scripts folder of a virtual environment."""
    return env / ("Scripts" if os.name == "nt" else "bin")


def ensure_env(
    extras: str = "dev", env: Path = VENV, lock: Path = LOCK, base: Path | None = None
) -> Path:
    """Create ``env`` and install the project with ``extras`` under ``lock``; its python.

    ``base`` is the interpreter the environment is made from (default: this one).
    """
    py = bin_of(env) / "python"
    stamp = env / ".lemon-installed"
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes()
        + lock.read_bytes()
        + extras.encode()
        + str(base or "").encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and py.exists():
        return py
    if base is not None and env.exists():
        shutil.rmtree(env)  # the interpreter may have changed: start clean
    if not py.exists():
        print(f"creating {env.name} ...", flush=True)
        if base is None:
            venv.EnvBuilder(with_pip=True).create(env)
        else:
            run([str(base), "-m", "venv", str(env)])
    print(
        f"installing lemon-adapters[{extras}] into {env.name} from {lock.name}"
        " (the first run takes a minute or two) ...",
        flush=True,
    )
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(lock)]
    run([*pip, *TOOLS])
    # The build backend comes from the lock as well, so nothing is resolved unpinned.
    run([*pip, "--no-build-isolation", "-e", f".[{extras}]"])
    if env == VENV:
        # The packaging test installs the built wheel into fresh environments offline,
        # from the dependencies of every extra downloaded here.
        pip[3] = "download"
        wheelhouse = ["-d", str(env / "wheelhouse"), "--no-build-isolation"]
        run([*pip, *wheelhouse, ".[langchain,llamaindex,pydantic-ai,openai-agents,http2]"])
    stamp.write_text(digest)
    return py


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    """Run a command in the project root; exit with its code if it fails."""
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def floors(sections: tuple[str, ...] = FLOOR_SECTIONS) -> dict[str, str]:
    """``{distribution: lowest version}`` from the ``>=`` bounds of the runtime requirements."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for section in sections:
        block = re.search(rf"^{section} = \[(.*?)\]", text, re.M | re.S)
        if block is None:
            raise SystemExit(f"pyproject.toml has no {section} list")
        for name, version in re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([^",;]+)"', block[1]):
            pins[name.lower()] = version
    return pins


def agents_floors() -> dict[str, str]:
    """The second floors group's pins: the core's floors, the openai-agents extra's floor,
    and :data:`AGENTS_RAISES` where that extra needs more than the core's floors."""
    return {**floors(), **floors((AGENTS_EXTRA,)), **AGENTS_RAISES}


@dataclass(frozen=True)
class FloorsGroup:
    """One environment of the `floors` task: what it installs, and what it runs there."""

    name: str
    extras: str
    env: Path
    lock: Path
    pins: dict[str, str]
    #: pytest arguments before the task's own (paths, -m); the extras' tests may not skip.
    pytest: tuple[str, ...]


def floors_groups() -> list[FloorsGroup]:
    """The core and every adapter at the floors, then the openai-agents extra at its own.

    The second group runs the Agents SDK adapter's tests, its example and README blocks,
    and the core's and testing kit's tests (the layers httpx and anyio reach).
    """
    agents_tests = (
        *("tests/openai_agents", "tests/core", "tests/testing"),
        *("tests/test_examples.py", "tests/test_readme.py"),
    )
    return [
        FloorsGroup("core and adapters", "test", FLOORS_VENV, FLOORS_LOCK, floors(), ()),
        FloorsGroup(
            AGENTS_EXTRA,
            f"test,{AGENTS_EXTRA}",
            AGENTS_VENV,
            AGENTS_LOCK,
            agents_floors(),
            agents_tests,
        ),
    ]


def run_floors(rest: list[str]) -> None:
    """Each of :func:`floors_groups`: install from its lock, check the pins, run its tests."""
    times = []
    for group in floors_groups():
        started = time.monotonic()
        py = ensure_env(group.extras, group.env, group.lock)
        print(f"== floors, {group.name} ({group.env.name})", flush=True)
        run([str(py), "-c", CHECK_FLOORS, *(f"{n}=={v}" for n, v in group.pins.items())])
        installed = time.monotonic()
        args = [*group.pytest, "-q", "-m", QUICK, "-p", "no:randomly", *rest]
        run([str(py), "-m", "pytest", *args], env=pytest_env(group.extras))
        times.append(
            f"{group.name}: install {installed - started:.0f} s,"
            f" tests {time.monotonic() - installed:.0f} s"
        )
    print("\n".join(["floors:", *times]), flush=True)


def pytest_env(extras: str) -> dict[str, str]:
    """The environment for pytest in an environment of ``extras``: ``LEMON_TESTS_REQUIRE``
    names the framework extras it has (see tests/extras.py), whose tests may not skip."""
    have = {name for extra in extras.split(",") for name in SKIPPABLE.get(extra, ())}
    return {**os.environ, REQUIRE: ",".join(sorted(have))}


def find_python(version: str) -> Path | None:
    """A working ``python<version>``: on PATH, else the newest under ``$PYENV_ROOT/versions``.

    A name on PATH may be a pyenv shim that refuses to run (that version is not selected),
    so each candidate must start and report ``version`` to count.
    """
    name = f"python{version}"
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installed = root.glob(f"versions/{version}.*/bin/{name}")
    candidates = [shutil.which(name), *sorted(installed, key=_patch_level, reverse=True)]
    report = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in filter(None, candidates):
        try:
            got = subprocess.run(
                [str(candidate), "-c", report], capture_output=True, text=True, timeout=60
            )
        except OSError:
            continue
        if got.returncode == 0 and got.stdout.strip() == version:
            return Path(candidate)
    return None


def _patch_level(path: Path) -> tuple[int, ...]:
    """``(3, 10, 13)`` for ``.../versions/3.10.13/bin/python3.10``; for sorting."""
    digits = re.findall(r"\d+", path.parents[1].name)
    return tuple(int(d) for d in digits)


def pythons(rest: list[str]) -> None:
    """The quick suite on each of :data:`PYTHONS`, each in ``.venv-pyXY`` from the lock.

    Every interpreter must be present: a missing one fails the task before anything runs,
    since a claimed Python that is silently skipped is an untested one.
    """
    found = {v: find_python(v) for v in PYTHONS}
    missing = [v for v, py in found.items() if py is None]
    if missing:
        sys.exit(
            f"pythons: no working interpreter for Python {', '.join(missing)} (looked for"
            " pythonX.Y on PATH and under ~/.pyenv/versions); install it, e.g."
            f" `pyenv install {missing[0]}`"
        )
    failed, times = [], []
    for version, base in found.items():
        started = time.monotonic()
        env = ROOT / f".venv-py{version.replace('.', '')}"
        py = ensure_env(PYTHONS_EXTRAS, env, LOCK, base)
        installed = time.monotonic()
        print(f"== Python {version} ({base}): the quick suite", flush=True)
        args = [str(py), "-m", "pytest", "-q", "-m", QUICK, *rest]
        code = subprocess.call(args, cwd=ROOT, env=pytest_env(PYTHONS_EXTRAS))
        ended = time.monotonic()
        times.append(
            f"Python {version}: install {installed - started:.0f} s,"
            f" quick suite {ended - installed:.0f} s, {'passed' if code == 0 else 'FAILED'}"
        )
        if code:
            failed.append(version)
    print("\n".join(["pythons:", *times]), flush=True)
    if failed:
        sys.exit(f"pythons: the quick suite failed on Python {', '.join(failed)}")


def lock() -> None:
    """Re-resolve both locks to the newest allowed versions with uv, then test on them."""
    py = ensure_env()
    run([str(py), "-m", "pip", "install", "-q", "--upgrade", "uv"])
    uv = str(bin_of(VENV) / "uv")
    with tempfile.TemporaryDirectory() as tmp:
        tools = Path(tmp) / "tools.in"
        tools.write_text("\n".join(TOOLS) + "\n")
        pins = Path(tmp) / "floors.in"
        pins.write_text("".join(f"{n}=={v}\n" for n, v in floors().items()))
        agents_pins = Path(tmp) / "floors-agents.in"
        agents_pins.write_text("".join(f"{n}=={v}\n" for n, v in agents_floors().items()))
        # --universal: one file with environment markers, valid on every supported Python
        # and platform; pip reads it as a plain constraints file.
        common = ["pip", "compile", "--universal", "--python-version", "3.10", "--upgrade"]
        common += ["--quiet", "--custom-compile-command", "python3 tasks.py lock"]
        run([uv, *common, "pyproject.toml", str(tools), "--extra", "dev", "--extra", "bench",
             "-o", str(LOCK)])  # fmt: skip
        run([uv, *common, "pyproject.toml", str(tools), "--extra", "test", "-c", str(pins),
             "-o", str(FLOORS_LOCK)])  # fmt: skip
        check_agents_raises(uv, Path(tmp))
        run([uv, *common, "pyproject.toml", str(tools), "--extra", "test", "--extra",
             AGENTS_EXTRA, "-c", str(agents_pins), "-o", str(AGENTS_LOCK)])  # fmt: skip
    py = ensure_env()
    run([str(py), "-m", "pytest", "-q", "-m", QUICK], env=pytest_env("dev"))
    lint(py)


def check_agents_raises(uv: str, tmp: Path) -> None:
    """Fail unless :data:`AGENTS_RAISES` is what the openai-agents extra forces: the core's
    floors that uv's lowest resolution of ``lemon-adapters[openai-agents]`` lifts."""
    out = tmp / "agents-lowest.txt"
    run([uv, "pip", "compile", "--universal", "--python-version", "3.10", "--quiet",
         "--resolution", "lowest", "--no-header", "--no-annotate", "pyproject.toml",
         "--extra", AGENTS_EXTRA, "-o", str(out)])  # fmt: skip
    lowest = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", out.read_text(), re.M))
    core = floors(("dependencies",))
    lifted = {n: lowest[n] for n, v in core.items() if _version(lowest[n]) > _version(v)}
    if lifted != AGENTS_RAISES:
        sys.exit(f"tasks.py AGENTS_RAISES is {AGENTS_RAISES}; the resolver says {lifted}")


def _version(text: str) -> tuple[int, ...]:
    """``(0, 27, 1)`` for ``0.27.1`` and ``(4,)`` for both ``4`` and ``4.0.0``: enough to
    order the plain releases floors are."""
    parts = [int(part) for part in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def lint(py: Path) -> None:
    """ruff check, ruff format --check and mypy --strict, from the environment of ``py``."""
    scripts = py.parent
    paths = ["lemon_adapters", "tests", "examples", "bench", "tools", "tasks.py"]
    run([str(scripts / "ruff"), "check", *paths])
    run([str(scripts / "ruff"), "format", "--check", *paths])
    run([str(scripts / "mypy"), "--strict", "lemon_adapters"])


def main() -> None:
    """Dispatch ``sys.argv[1]``; extra arguments go to the task."""
    task, rest = (sys.argv[1] if len(sys.argv) > 1 else "help"), sys.argv[2:]
    if task == "demo":
        run([str(ensure_env()), "-m", "lemon_adapters.demo", *rest])
    elif task == "test":
        run([str(ensure_env()), "-m", "pytest", *rest], env=pytest_env("dev"))
    elif task == "lint":
        lint(ensure_env())
    elif task == "bench":
        run([str(ensure_env("dev,bench")), "-m", "bench", *rest])
    elif task == "fuzz":
        run([str(ensure_env()), "-m", "tests.core.wire.fuzz", *rest])
    elif task == "floors":
        run_floors(rest)
    elif task == "pythons":
        pythons(rest)
    elif task == "lock":
        lock()
    else:
        print(__doc__)
        sys.exit(0 if task == "help" else 2)


if __name__ == "__main__":
    main()
