"""Copy recorded wire bodies into ``tests/recordings`` and write their provenance.

Usage: ``python tools/import_recordings.py SOURCE`` where ``SOURCE`` is a recordings folder
laid out as ``wire/`` (Responses, Chat Completions and OpenAI-format errors, with
``wire/index.json``), ``messages/wire/`` (Anthropic Messages, with its own
``index.json``), ``gemini/wire/`` (Gemini, with its own ``index.json``), ``MANIFEST.md``
and ``GEMINI.md`` (one table row per recording: source repository, path in it, commit and
license). Every ``*.body`` file listed in an index is copied byte for byte
(and checked to be identical afterwards); ``tests/recordings/PROVENANCE.md`` is rewritten
with one row per copied body, naming the recording it was extracted from and that
recording's source. Nothing else reads ``SOURCE``: the tests use the copies only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "tests" / "recordings"
#: Each set of bodies and the manifest that describes its recordings.
SETS = {"wire": "MANIFEST.md", "messages/wire": "MANIFEST.md", "gemini/wire": "GEMINI.md"}
_ROW = re.compile(r"^\| (\d+) \| `([^`]+)` \|(.*)\|\s*$")

HEADER = """\
# Provenance of the recorded wire bodies

Every `*.body` file under `wire/`, `messages/wire/` and `gemini/wire/` is the HTTP response
body of one interaction of a recording made by another public project against a live
service (its test cassettes and fixtures), extracted from the recording's container (vcrpy
or go-vcr YAML, httprr traces, raw SSE or JSON, or JSON lines re-framed as SSE: `reframed`
in the index) and copied here byte for byte by `tools/import_recordings.py`. The
`index.json` beside the bodies gives, per body, its API, HTTP status, method, URL and
request body as recorded.

The source projects are under permissive licenses (MIT, Apache-2.0, or Apache-2.0 OR
BSD-3-Clause for dd-trace-py, used here under Apache-2.0). Their license texts, with the
copyright notices and the NOTICE files they carry, are in `licenses/`, one file per source
repository (`<owner>__<repo>__<file>`, read at the commit the recordings came from; a
package folder's own LICENSE is kept beside its repository's). Two sources were read at a
second commit whose texts differ, and both versions are kept: charmbracelet/fantasy's
Cerebras recording (`charmbracelet__fantasy__71f727f0__*`) and the opentelemetry-python-contrib
Anthropic package (`...instrumentation-anthropic__LICENSE`, from `910328a`). The files are
data: no code was copied. Gemini bodies marked SEMI-REAL were edited by their source
project (texts, URIs or an image replaced; counts original), as its manifest says.

"""
COLUMNS = (
    "body",
    "sha256 (first 16)",
    "recording (interaction)",
    "what it shows",
    "source repository",
    "path in repository",
    "commit",
    "license",
)


def manifest_rows(manifest: str) -> dict[str, dict[str, str]]:
    """The manifest's file table, keyed by recording file name."""
    rows: dict[str, dict[str, str]] = {}
    for line in manifest.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        cells = [c.strip() for c in match.group(3).split(" | ")]
        # api | provider/model | what | container | repository | path | commit | license
        if len(cells) != 8:
            raise SystemExit(f"unexpected manifest row: {line[:120]}")
        rows[match.group(2)] = {
            "what": cells[2],
            "repo": cells[4],
            "path": cells[5],
            "commit": cells[6],
            "license": cells[7],
        }
    return rows


def main() -> None:
    """Copy the bodies and write PROVENANCE.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the recordings folder to import from")
    source: Path = parser.parse_args().source
    table: list[str] = []
    for subset, manifest in SETS.items():
        rows = manifest_rows((source / manifest).read_text(encoding="utf-8"))
        src, dst = source / subset, DEST / subset
        index = json.loads((src / "index.json").read_text(encoding="utf-8"))
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / "index.json", dst / "index.json")
        for entry in index:
            name = entry["file"]
            shutil.copyfile(src / name, dst / name)
            data = (dst / name).read_bytes()
            if data != (src / name).read_bytes():
                raise SystemExit(f"{name}: the copy differs from the source")
            row = rows.get(entry["recording"])
            if row is None:
                raise SystemExit(f"{entry['recording']} is not in the manifest")
            what = row["what"].replace("|", "\\|")
            table.append(
                f"| `{subset}/{name}` | `{hashlib.sha256(data).hexdigest()[:16]}` "
                f"| `{entry['recording']}` ({entry['interaction']}) | {what} "
                f"| {row['repo']} | {row['path']} | {row['commit']} | {row['license']} |"
            )
    head = [f"| {' | '.join(COLUMNS)} |", "|" + "---|" * len(COLUMNS)]
    text = HEADER + "\n" + "\n".join(head + table) + "\n"
    (DEST / "PROVENANCE.md").write_text(text, encoding="utf-8")
    print(f"{len(table)} bodies copied into {DEST.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
