"""The GitHub Actions workflows are valid, and the test workflow runs what CI runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.docs_examples import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK = Path(sys.executable).parent / "check-jsonschema"


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_workflows_match_githubs_schema() -> None:
    assert [path.name for path in WORKFLOWS] == ["pages.yml", "tests.yml"]
    result = validate(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\non: push\njobs:\n  x:\n    steps: not-a-list\n")
    assert validate(broken).returncode != 0


def test_the_test_workflow_runs_the_ci_script() -> None:
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert "run: bash .ci/run" in workflow
    assert "pull_request:" in workflow
