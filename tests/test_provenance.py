"""The recordings the tests use are the project's own copies, each with its provenance.

Every body listed in an ``index.json`` exists, matches the checksum in ``PROVENANCE.md``,
and names a source repository whose license text is kept in ``licenses/``.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from tests.conftest import RECORDINGS

ROW = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{16})` \|(?:[^|]|\\\|)*?\|.*?\| ([\w.-]+/[\w.-]+) \|")
ROWS = {
    m.group(1): (m.group(2), m.group(3))
    for line in (RECORDINGS / "PROVENANCE.md").read_text(encoding="utf-8").splitlines()
    if (m := ROW.match(line))
}
BODIES = [
    f"{subset}/{entry['file']}"
    for subset in ("wire", "messages/wire", "gemini/wire")
    for entry in json.loads((RECORDINGS / subset / "index.json").read_text(encoding="utf-8"))
]


def test_every_row_is_a_listed_body() -> None:
    assert len(BODIES) >= 125
    assert sorted(ROWS) == sorted(BODIES)


@pytest.mark.parametrize("body", BODIES)
def test_body_matches_its_provenance(body: str) -> None:
    digest, repo = ROWS[body]
    assert hashlib.sha256((RECORDINGS / body).read_bytes()).hexdigest()[:16] == digest
    owner, name = repo.split("/")
    assert list((RECORDINGS / "licenses").glob(f"{owner}__{name}__*")), f"no license for {repo}"
