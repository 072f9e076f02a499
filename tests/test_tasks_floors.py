"""The `floors` task's two groups (tasks.py): what each pins, installs and may not skip."""

from __future__ import annotations

import re

import tasks


def test_the_agents_group_raises_only_what_openai_agents_forces() -> None:
    core, agents = tasks.floors_groups()
    assert core.extras == "test" and tasks.AGENTS_EXTRA not in core.pins
    raised = {n: v for n, v in agents.pins.items() if core.pins.get(n) != v}
    assert raised == {**tasks.AGENTS_RAISES, "openai-agents": "0.20.0"}
    assert set(tasks.AGENTS_RAISES) <= set(tasks.floors(("dependencies",)))
    assert agents.extras.split(",") == ["test", tasks.AGENTS_EXTRA]
    assert "tests/openai_agents" in agents.pytest


def test_each_lock_pins_its_groups_floors() -> None:
    for group in tasks.floors_groups():
        text = group.lock.read_text()
        for name, version in group.pins.items():
            pinned = re.search(rf"^{re.escape(name)}==([^\s;]+)", text, re.M)
            assert pinned, (group.lock.name, name)
            assert tasks._version(pinned[1]) == tasks._version(version), (group.lock.name, name)


def test_versions_compare_as_releases() -> None:
    assert tasks._version("4") == tasks._version("4.0.0") < tasks._version("4.5.0")
    assert tasks._version("0.27") < tasks._version("0.27.1")


def test_every_environment_with_a_framework_requires_its_tests() -> None:
    assert tasks.pytest_env("test")[tasks.REQUIRE] == "pydantic-ai"
    for extras in ("dev", tasks.PYTHONS_EXTRAS, tasks.floors_groups()[1].extras):
        assert tasks.pytest_env(extras)[tasks.REQUIRE] == "openai-agents,pydantic-ai"
