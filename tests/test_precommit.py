"""The pre-commit hooks (ruff, formatting, integrity) pass on the project and catch breakage."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.docs_examples import ROOT, copy_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project", "docs", "snippets", "tests")
    shutil.copy(ROOT / ".pre-commit-config.yaml", project)
    # The hooks run the project's environment as the README sets it up: .venv/.
    (project / ".venv").symlink_to(sys.prefix)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    return project


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's environments (ruff from PyPI), installed once for this module."""
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(home)},
    )


def test_the_hooks_pass_on_the_project(project: Path, home: Path) -> None:
    result = pre_commit(project, home)
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in ("ruff check --fix", "ruff format", "tests/test_integrity.py"):
        assert any(
            hook in line and line.endswith("Passed")
            for line in result.stdout.splitlines()
        ), result.stdout


def test_the_hooks_fix_formatting_and_report_a_broken_include(
    project: Path, home: Path
) -> None:
    module = project / "snippets" / "database.py"
    module.write_text(module.read_text() + "\nanswer   =  42\n")
    page = project / "docs" / "index.md"
    page.write_text(
        page.read_text() + '\n```python\n--8<-- "snippets/app.py:nope"\n```\n'
    )
    result = pre_commit(project, home)
    assert result.returncode == 1
    assert "files were modified by this hook" in result.stdout
    assert module.read_text().endswith("\nanswer = 42\n")
    assert "docs/index.md:" in result.stdout
    assert "snippets/app.py has no section 'nope'" in result.stdout


def test_the_hooks_use_the_ruff_version_the_project_pins() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    [ruff] = [pin for pin in pins if pin.startswith("ruff==")]
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    versions = {
        dep
        for repo in hooks["repos"]
        for hook in repo["hooks"]
        for dep in hook.get("additional_dependencies", [])
    }
    assert versions == {ruff}
