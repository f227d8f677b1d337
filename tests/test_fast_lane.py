"""The fast lane (docs/contributing.md#fast-lane): `-m fast` selects what the page says it
does, and the README and Contributing show the same two commands."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import FAST_LANE
from tests.docs_examples import ROOT, inline_blocks

COMMANDS = [
    ".venv/bin/pytest --no-cov -m fast",
    '.venv/bin/pytest --no-cov -n 0 tests/test_docs.py -k "docs/queries/reading.md"',
]


def test_the_fast_lane_is_the_page_checks_and_every_example_on_sqlite() -> None:
    fast_lane = ["--collect-only", "-q", "-m", "fast", "--no-cov", "-n", "0"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *fast_lane],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    selected = [line for line in result.stdout.splitlines() if "::" in line]
    assert {line.split("::")[0] for line in selected} == FAST_LANE | {
        "tests/test_docs.py"
    }
    examples = [line for line in selected if line.startswith("tests/test_docs.py")]
    assert all("[sqlite-docs/" in line for line in examples)
    on_sqlite = [block for block in inline_blocks() if "sqlite" in block.backends]
    assert len(examples) == len(on_sqlite)


def test_readme_and_contributing_show_the_same_commands() -> None:
    for path in (ROOT / "README.md", ROOT / "docs" / "contributing.md"):
        fences = re.findall(r"```bash\n(.*?)```", path.read_text(), re.S)
        assert [fence.splitlines() for fence in fences].count(COMMANDS) == 1, path
