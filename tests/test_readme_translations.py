"""The Korean and Chinese READMEs say what the English one says: the same code, in the same
order (so the code the English test runs is the code they show), the same sections, the
same figures, and links that resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = (ROOT / "README.md").read_text(encoding="utf-8")
TRANSLATIONS = ["README.ko.md", "README.zh-CN.md", "README.zh-TW.md"]

_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
_HEADING = re.compile(r"^(#{1,6}) (.+)$", re.M)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*(?:/\d+)?")


def _outside_code(text: str) -> str:
    text = _BLOCK.sub("", text)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    heading = re.sub(r"`", "", heading).strip().lower()
    heading = re.sub(r"[^\w\- ]", "", heading)
    return heading.replace(" ", "-")


def _table_numbers(text: str) -> list[str]:
    rows = [line for line in _outside_code(text).splitlines() if line.startswith("|")]
    return [n.rstrip(".,") for row in rows for n in _NUMBER.findall(row)]


@pytest.fixture(params=TRANSLATIONS)
def translation(request: pytest.FixtureRequest) -> tuple[str, str]:
    name = str(request.param)
    return name, (ROOT / name).read_text(encoding="utf-8")


def test_every_edition_links_the_others(translation: tuple[str, str]) -> None:
    name, text = translation
    for other in ["README.md", *TRANSLATIONS]:
        if other != name:
            assert f"]({other})" in text.split("\n## ", 1)[0], (name, other)
        assert f"]({name})" in ENGLISH.split("\n## ", 1)[0] or name == "README.md"


def test_code_blocks_are_the_english_ones(translation: tuple[str, str]) -> None:
    name, text = translation
    assert _BLOCK.findall(text) == _BLOCK.findall(ENGLISH), name


def test_same_sections_in_the_same_order(translation: tuple[str, str]) -> None:
    name, text = translation
    levels = [h[0] for h in _HEADING.findall(_BLOCK.sub("", text))]
    assert levels == [h[0] for h in _HEADING.findall(_BLOCK.sub("", ENGLISH))], name
    quick = text.split("\n## ", 2)[1]  # the section after the intro is Quick start
    assert "python3 tasks.py demo\npython3 tasks.py test" in quick, name


def test_table_figures_are_the_english_ones(translation: tuple[str, str]) -> None:
    name, text = translation
    assert _table_numbers(text) == _table_numbers(ENGLISH), name


@pytest.mark.parametrize("name", ["README.md", *TRANSLATIONS])
def test_internal_links_resolve(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    anchors = {_anchor(h) for _, h in _HEADING.findall(_BLOCK.sub("", text))}
    for target in re.findall(r"\]\(([^)\s]+)\)", _outside_code(text)):
        if target.startswith(("http://", "https://")):
            continue
        path, _, fragment = target.partition("#")
        if path:
            assert (ROOT / path).exists(), (name, target)
        if fragment:
            other = (ROOT / path).read_text(encoding="utf-8") if path else text
            known = (
                anchors
                if not path
                else {_anchor(h) for _, h in _HEADING.findall(_BLOCK.sub("", other))}
            )
            assert fragment in known, (name, target, sorted(known))
