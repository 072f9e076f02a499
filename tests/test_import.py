"""The core must not pull in either framework; an adapter without its extra says which
extra to install."""

import subprocess
import sys
from pathlib import Path

import pytest

from lemon_adapters import _extras


def test_import_core_does_not_import_frameworks() -> None:
    code = (
        "import sys, lemon_adapters;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langchain',"
        " 'llama_index', 'langgraph', 'openai', 'pydantic')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_missing_extra_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_extras.EXTRAS, "langchain", ("no_such_pkg.core", "no-such-pkg", "1.0"))
    with pytest.raises(ImportError) as info:
        _extras.require("langchain", "lemon_adapters.langchain")
    assert str(info.value) == (
        "lemon_adapters.langchain needs no-such-pkg, which is not installed:"
        ' pip install -U "lemon-adapters[langchain]"'
    )


def test_an_old_framework_names_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_extras.EXTRAS, "llamaindex", ("pytest", "pytest", "999.1"))
    with pytest.raises(ImportError, match=r"needs pytest>=999\.1, but [\d.]+ is installed: pip"):
        _extras.require("llamaindex", "lemon_adapters.llama_index")


def test_the_floors_match_pyproject() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    for extra, (_, distribution, lowest) in _extras.EXTRAS.items():
        assert f'{extra} = ["{distribution}>={lowest}"]' in text
