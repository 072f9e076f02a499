"""Before/after in one run: an older commit's ``lemon_adapters`` as ``lemon_adapters_base``.

``python -m bench --baseline REF`` exports the ``lemon_adapters/`` folder of commit ``REF``
with ``git archive`` (read from the object store: the work tree, the index and other
people's uncommitted files are not touched) into a temporary directory, renames the
package to ``lemon_adapters_base`` and rewrites its absolute imports of itself
(``from lemon_adapters.x import ...``, ``import lemon_adapters``) to the new name, so both
versions import side by side in one interpreter. A syntax-tree check then makes sure no
import of the current package is left, so a baseline contender never measures today's code
by mistake. The bench adds ``core@base`` ... ``ali@base``
(:func:`bench.contenders.baseline_contenders`) on the APIs the old core knows.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "lemon_adapters"
BASE_PACKAGE = "lemon_adapters_base"
_IMPORT = re.compile(rf"^(\s*)(from|import)(\s+){PACKAGE}\b", re.M)
_IMPORT_MODULE = re.compile(rf"(import_module\(\s*[\"']){PACKAGE}\b")


def resolve(ref: str) -> str:
    """The full commit id ``ref`` names (raises ``ValueError`` for an unknown ref)."""
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise ValueError(f"--baseline {ref!r} is not a commit of this repository")
    return proc.stdout.strip()


def rewrite(source: str) -> str:
    """``source`` with its absolute imports of ``lemon_adapters`` pointed at the baseline."""
    source = _IMPORT.sub(rf"\1\2\3{BASE_PACKAGE}", source)
    return _IMPORT_MODULE.sub(rf"\1{BASE_PACKAGE}", source)


def leftover_imports(path: Path) -> list[str]:
    """Imports of the current package still in ``path`` (``file:line``), from its syntax."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        if any(n == PACKAGE or n.startswith(PACKAGE + ".") for n in names):
            found.append(f"{path.name}:{node.lineno}")
    return found


def export(ref: str, into: Path) -> str:
    """Write commit ``ref``'s package to ``into/lemon_adapters_base``; its commit id.

    Raises:
        ValueError: ``ref`` is no commit, has no ``lemon_adapters/``, or an import of the
            current package survived the rewrite.
    """
    commit = resolve(ref)
    proc = subprocess.run(
        ["git", "archive", "--format=tar", commit, PACKAGE], cwd=ROOT, capture_output=True
    )
    if proc.returncode:
        raise ValueError(f"commit {ref} has no {PACKAGE}/: {proc.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python without extraction filters (3.10 before 3.10.12)
            tar.extractall(into)  # our own repository's objects
    target = into / BASE_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    (into / PACKAGE).rename(target)
    leftovers = []
    for path in sorted(target.rglob("*.py")):
        path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
        leftovers += leftover_imports(path)
    if leftovers:
        raise ValueError(f"imports of {PACKAGE} left in the baseline: {', '.join(leftovers)}")
    return commit


def install(directory: Path) -> None:
    """Make the exported package importable in this interpreter."""
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
