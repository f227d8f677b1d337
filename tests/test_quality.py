"""Readers copy the snippets: they stay typed (mypy --strict) and ruff-clean, as do the tests."""

from __future__ import annotations

import subprocess
import sys

from tests.docs_examples import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "RUFF_OUTPUT_FORMAT": "concise"},
    )


def test_snippets_pass_mypy_strict() -> None:
    result = run("mypy")  # files and strictness come from pyproject.toml
    assert result.returncode == 0, result.stdout


def test_ruff_check() -> None:
    result = run("ruff", "check", "snippets", "tests")
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", "snippets", "tests")
    assert result.returncode == 0, result.stdout
