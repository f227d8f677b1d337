"""The same mkdocs.yml builds with Zensical, the successor of Material for MkDocs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.docs_examples import copy_project
from tests.test_site import site

__all__ = ["site"]  # the MkDocs build, to compare the downloads with

ZENSICAL = Path(sys.executable).parent / "zensical"


def zensical_build(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ZENSICAL), "build", "--strict"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_site_builds_with_zensical_in_strict_mode(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    result = zensical_build(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues found" in result.stdout + result.stderr
    for page in ("index.html", "mistakes/index.html", "performance/index.html"):
        assert (project / "site" / page).is_file(), page
    # Zensical's search index sits at the site root (MkDocs: search/search_index.json).
    assert (project / "site" / "search.json").is_file()


def test_after_a_zensical_build_the_same_commands_add_the_downloads(
    tmp_path: Path, site: Path
) -> None:
    """Zensical runs no MkDocs hooks: the three commands contributing.md gives write what the
    MkDocs build writes."""
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    assert zensical_build(project).returncode == 0
    for command in ("tests/llms.py", "tests/starter.py", "tests/skill.py"):
        subprocess.run([sys.executable, command, "site"], cwd=project, check=True)
    downloads = (
        "llms.txt",
        "llms-full.txt",
        "setup/models/index.html.md",
        "starter.zip",
        "skill.zip",
    )
    for name in downloads:
        assert (project / "site" / name).read_bytes() == (site / name).read_bytes(), (
            name
        )


def test_zensical_strict_fails_on_a_broken_link(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    with (project / "docs" / "index.md").open("a") as page:
        page.write("\n[broken](missing-page.md)\n")
    result = zensical_build(project)
    assert result.returncode != 0
    assert "page does not exist" in result.stdout + result.stderr
