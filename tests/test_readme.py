"""The README's two commands exist, and CI runs the test command and nothing weaker."""

from __future__ import annotations

import re

from tests.docs_examples import ROOT


def command(name: str) -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(
        rf"<!-- {name} -->\n```bash\n(.+?)\n```\n<!-- /{name} -->", readme, re.S
    )
    assert match, f"README.md needs one bash fence between <!-- {name} --> markers"
    return match.group(1)


def test_serve_command_sets_up_and_serves() -> None:
    assert command("serve-command") == (
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[docs]" && .venv/bin/mkdocs serve'
    )


def test_test_command_sets_up_and_runs_the_whole_suite() -> None:
    assert command("test-command") == (
        'python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/pytest'
    )


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci
    assert 'bash -c "$command"' in ci
