"""The core must not pull in either framework."""

import subprocess
import sys


def test_import_core_does_not_import_frameworks() -> None:
    code = (
        "import sys, lemon_adapters;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langchain',"
        " 'llama_index', 'langgraph', 'openai', 'pydantic')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
