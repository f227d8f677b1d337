"""The harness itself: TEST_POSTGRES_URL points the suite at an existing server."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import postgres
from tests.docs_examples import ROOT


def test_an_existing_server_gets_private_databases_that_are_dropped() -> None:
    ours = os.environ[postgres.PREFIX_ENV]
    before = set(postgres._run(postgres.admin_fetch("SELECT datname FROM pg_database")))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {postgres.ADMIN_ENV, postgres.PREFIX_ENV, postgres.DATA_DIR_ENV}
        and not key.startswith(("PYTEST_", "COV_"))
    }
    # The server this run uses stands in for "an existing server" (a CI service, a local install).
    env[postgres.USER_ENV] = postgres.admin_url().render_as_string(hide_password=False)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            "-n",
            "0",
            "tests/test_docs.py",
            "-k",
            "postgres-docs/queries/index.md",  # the page's one example
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "sqlite 0 passed 0 failed; postgres 1 passed 0 failed" in result.stdout
    assert (
        f"postgres backend: {postgres.admin_url()} ({postgres.USER_ENV})"
        in result.stdout
    )
    after = set(postgres._run(postgres.admin_fetch("SELECT datname FROM pg_database")))
    leftovers = {row["datname"] for row in after - before} - {
        row["datname"] for row in after if row["datname"].startswith(ours)
    }
    assert not leftovers
