"""The built wheel, installed (not editable) into fresh environments, one extra at a time.

Packaging mistakes (a module left out of the wheel, a wrong entry point, a missing
``py.typed``, an extra that forgets a dependency) only show in an install like a user's. The
install is offline: ``python3 tasks.py test`` fills ``.venv/wheelhouse`` from the lock first
(the dependencies of every extra), and pip installs from there with ``--no-index``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"

pytestmark = pytest.mark.packaging

#: Runs inside the fresh environment: stream one answer through the extra's adapter from
#: the wheel's own local server, and check the other adapter names its extra.
SMOKE = """
import sys
from lemon_adapters.testing.server import DevServer

extra = sys.argv[1]
with DevServer(delay=0) as server:
    if extra in ("pydantic-ai", "openai-agents"):
        import asyncio

        if extra == "pydantic-ai":
            from pydantic_ai import Agent
            from lemon_adapters.pydantic_ai import LemonDataModel

            model = LemonDataModel("gpt-4o-mini", base_url=server.base_url, api_key="sk-wheel")
            text = Agent(model).run_sync("Say hi").output
        else:
            from agents import Agent, RunConfig, Runner
            from lemon_adapters.openai_agents import LemonDataModel

            model = LemonDataModel("gpt-4o-mini", base_url=server.base_url, api_key="sk-wheel")
            config = RunConfig(tracing_disabled=True)
            run = Runner.run(Agent(name="a", model=model), "Say hi", run_config=config)
            text = asyncio.run(run).final_output
        other = "lemon_adapters.langchain"
    elif extra == "langchain":
        from lemon_adapters.langchain import ChatLemonData

        llm = ChatLemonData(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-wheel")
        text = "".join(chunk.text for chunk in llm.stream("Say hi"))
        other = "lemon_adapters.llama_index"
    else:
        from lemon_adapters.llama_index import LemonData

        llm = LemonData(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-wheel")
        text = "".join(r.delta or "" for r in llm.stream_complete("Say hi"))
        other = "lemon_adapters.langchain"
assert text.strip(), "no text streamed"
try:
    __import__(other)
except ImportError as exc:
    assert "pip install" in str(exc) and "lemon-adapters[" in str(exc), str(exc)
    print("other adapter:", exc)
else:
    raise AssertionError(f"{other} imported without its extra")
print("streamed:", text[:60])
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not WHEELHOUSE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{WHEELHOUSE} is missing: run the suite with python3 tasks.py test")
        pytest.skip("run through python3 tasks.py test, which fills .venv/wheelhouse")
    out = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps"]
    subprocess.run([*pip, "--no-build-isolation", "-w", str(out), str(ROOT)], check=True)
    (built,) = out.glob("lemon_adapters-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "lemon_adapters/py.typed" in names
    assert "lemon_adapters/core/client.py" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "examples/"))]
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "lemon-adapters = lemon_adapters.cli:main" in zipfile.ZipFile(wheel).read(meta).decode()


@pytest.mark.parametrize("extra", ["langchain", "llamaindex", "pydantic-ai", "openai-agents"])
def test_wheel_with_one_extra_streams(wheel: Path, extra: str, tmp_path: Path) -> None:
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    scripts = env / ("Scripts" if os.name == "nt" else "bin")
    python = str(scripts / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile"]
    offline = ["--no-index", "--find-links", str(WHEELHOUSE)]
    subprocess.run([*pip, *offline, f"{wheel}[{extra}]"], check=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEMONDATA_", "PYTHON"))}
    out = subprocess.run(
        [python, "-c", SMOKE, extra], cwd=tmp_path, env=clean, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "streamed:" in out.stdout
    helped = subprocess.run(
        [str(scripts / "lemon-adapters"), "--help"], env=clean, capture_output=True, text=True
    )
    assert helped.returncode == 0 and helped.stdout.startswith("usage: lemon-adapters")
