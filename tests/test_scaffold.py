"""The scaffold command creates a page, its snippet and its test that pass unchanged."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs_examples import ROOT, copy_project, inline_blocks
from tests.scaffold import Scaffold, ScaffoldError, main
from tests.test_contributing import PYTEST_COMMANDS

# The copy's pytest runs measure (or not) on their own, outside the running suite's data.
OWN_COVERAGE = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def nav_after(scaffold: Scaffold) -> list[Any]:
    nav = yaml.safe_load(scaffold.nav((ROOT / "mkdocs.yml").read_text()))["nav"]
    assert isinstance(nav, list)
    return nav


def test_a_page_joins_its_chapter_section() -> None:
    nav = nav_after(Scaffold("queries", "search", "Full-text search"))
    [queries] = [entry["Queries"] for entry in nav if "Queries" in entry]
    assert queries[-1] == {"Full-text search": "queries/search.md"}
    assert queries[0] == "queries/index.md"


def test_a_one_page_chapter_becomes_a_section() -> None:
    nav = nav_after(Scaffold("testing", "factories", "Factories"))
    assert {
        "Testing": ["testing/index.md", {"Factories": "testing/factories.md"}]
    } in nav


def test_a_new_chapter_goes_before_contributing() -> None:
    assert not (ROOT / "docs" / "new-chapter").exists()
    nav = nav_after(Scaffold("new-chapter", "first-page", "First page"))
    assert nav[-2:] == [
        {"New chapter": [{"First page": "new-chapter/first-page.md"}]},
        {"Contributing": "contributing.md"},
    ]


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    copy_project(tmp_path)
    page = tmp_path / "docs" / "queries" / "reading.md"
    page.parent.mkdir(parents=True)
    page.write_text("mine")
    with pytest.raises(ScaffoldError, match=r"docs/queries/reading\.md"):
        Scaffold("queries", "reading", "Reading").write(tmp_path)
    assert page.read_text() == "mine"
    assert main(["queries/reading", "Reading", "--root", str(tmp_path)]) == 1


def test_the_scaffolded_page_passes_the_checks_unchanged(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    # The contributor guide's example, then the guide's commands for checking it.
    assert not (ROOT / "docs" / "queries" / "search.md").exists(), (
        "docs/queries/search.md exists now: give the scaffold example in "
        "docs/contributing.md a page name that is still free"
    )
    run = subprocess.run(
        [sys.executable, "-m", "tests.scaffold", "queries/search", "Full-text search"],
        cwd=project,
        env=OWN_COVERAGE,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "wrote snippets/queries/search.py" in run.stdout
    page = project / "docs" / "queries" / "search.md"
    written = page.read_text()
    guide_commands = [c for c in PYTEST_COMMANDS if "search" in c]
    # What the scaffold prints is what the guide says.
    assert (
        guide_commands
        == Scaffold("queries", "search", "Full-text search").check_commands()
    )
    for command in guide_commands:
        assert f"  {command}\n" in run.stdout
    for command in guide_commands:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *shlex.split(command)[1:], "-q"],
            cwd=project,
            env=OWN_COVERAGE,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        assert re.search(r"\b[1-9]\d* passed", result.stdout), result.stdout[-3000:]
    # --update-examples found nothing to rewrite: the page shows what its code prints.
    assert page.read_text() == written
    # A stale #> line fails with the command that rewrites the block; that command mends it.
    page.write_text(written.replace("#> ['Ada Lovelace',", "#> ['Ada',", 1))
    stale = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "--no-cov", "-q", "tests/test_docs.py"),
            *("-k", "docs/queries/search.md"),
        ],
        cwd=project,
        env=OWN_COVERAGE,
        capture_output=True,
        text=True,
    )
    assert stale.returncode == 1
    # pytest prefixes each line of the failure with "E".
    fix = re.search(
        r"rewrite the block with:\nE?\s*(\.venv/bin/pytest .*--update-examples)",
        stale.stdout,
    )
    assert fix, stale.stdout[-3000:]
    mended = subprocess.run(
        [sys.executable, "-m", "pytest", *shlex.split(fix.group(1))[1:], "-q"],
        cwd=project,
        env=OWN_COVERAGE,
        capture_output=True,
        text=True,
    )
    assert mended.returncode == 0, mended.stdout
    assert page.read_text() == written
    # In the copy: integrity (include resolves, section shown, snippet has a page), the
    # page's example on both backends, the new test on both backends covering every line
    # and branch of the new module, the strict site build, ruff and mypy --strict.
    checks = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "--cov=snippets.queries.search",
            "--cov-branch",
            "--cov-fail-under=100",
            "tests/test_docs.py",
            "tests/queries/test_search.py",
            "tests/test_site.py::test_mkdocs_build_is_strict_clean",
            "tests/test_quality.py",
            "-k",
            "not test_docs_example or docs/queries/search.md",
        ],
        cwd=project,
        env=OWN_COVERAGE,
        capture_output=True,
        text=True,
    )
    assert checks.returncode == 0, checks.stdout + checks.stderr
    # One block more than this checkout has: the new page's, run on both backends.
    blocks = len(inline_blocks()) + 1
    assert (
        f"docs examples: {blocks} blocks; sqlite 1 passed 0 failed; postgres 1 passed"
        in checks.stdout
    )
    assert "Required test coverage of 100% reached" in checks.stdout
    assert re.search(r"^=+ \d+ passed in [\d.]+s =+$", checks.stdout, re.M), (
        checks.stdout[-2000:]
    )
