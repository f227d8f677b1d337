"""The contributor guide's examples and commands are real."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pages
from tests.docs_examples import DOCS, ROOT, inline_blocks
from tests.test_integrity import include_problems

GUIDE = (DOCS / "contributing.md").read_text()
BASH = re.compile(r"^ *```bash\n(.*?)^ *```", re.M | re.S)
PYTEST_COMMANDS = [
    line.strip()
    for block in BASH.findall(GUIDE)
    for line in block.splitlines()
    if line.strip().startswith(".venv/bin/pytest ")
]


def test_the_contributor_guide_shows_a_real_integrity_message(tmp_path: Path) -> None:
    page = DOCS / "setup" / "engine-and-sessions.md"
    misspelt = page.read_text().replace(
        '--8<-- "snippets/database.py:sessionmaker"',
        '--8<-- "snippets/database.py:sessions"',
    )
    assert misspelt != page.read_text()
    copy = tmp_path / "docs" / "setup" / "engine-and-sessions.md"
    copy.parent.mkdir(parents=True)
    copy.write_text(misspelt)
    [problem] = include_problems(copy.parent)
    problem = problem.replace(f"{tmp_path}/", "")
    assert problem == pages.shown_output("contributing.md", "integrity-message")


# Commands for the scaffold's example page: tests/test_scaffold.py runs them after scaffolding.
NEEDS_SCAFFOLD = "search"


# The fast lane's marker comes from tests/conftest.py, which this check does not load:
# tests/test_fast_lane.py collects that command with it.
FAST_LANE = "-m fast"


@pytest.mark.parametrize(
    "command",
    [c for c in PYTEST_COMMANDS if NEEDS_SCAFFOLD not in c and FAST_LANE not in c],
)
def test_each_pytest_command_in_the_guide_selects_tests(command: str) -> None:
    args = shlex.split(command)[1:]
    result = subprocess.run(
        # No addopts: a second pytest-cov here would erase the running suite's coverage data.
        [
            sys.executable,
            "-m",
            "pytest",
            *args,
            "-o",
            "addopts=",
            "--noconftest",  # collecting needs no database server
            "--collect-only",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    collected = re.search(r"^(\d+)(?:/\d+)? tests? collected", result.stdout, re.M)
    assert collected, result.stdout[-2000:]
    assert int(collected.group(1)) > 0


def test_the_guide_has_commands_to_check() -> None:
    assert len(PYTEST_COMMANDS) >= 4


def test_the_example_test_id_in_the_guide_exists() -> None:
    shown = re.findall(r"`((?:sqlite|postgres)-docs/[^`<>]+)`", GUIDE)
    assert shown
    ids = {
        block.test_id(backend)
        for block in inline_blocks()
        for backend in block.backends
    }
    assert set(shown) <= ids, set(shown) - ids
