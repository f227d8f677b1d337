"""docs/testing/: the chapter's fixtures, run the way a reader runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from snippets.testing.differences import ddl_is_rolled_back
from snippets.testing.fixtures import create_test_engine
from tests.docs_examples import ROOT

EXAMPLES = "snippets/testing/example_tests.py"


def run_examples(
    test_database_url: str | None, naive: str | None = None, *options: str
) -> subprocess.CompletedProcess[str]:
    """pytest on the example tests, with the chapter's fixtures as the only plugin."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    if test_database_url:
        env["TEST_DATABASE_URL"] = test_database_url
    plugins = ["-p", "snippets.testing.fixtures"]
    if naive:
        env["GUIDE_NAIVE_VARIANT"] = naive
        plugins += ["-p", "tests.testing.naive_fixtures"]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            EXAMPLES,
            *plugins,
            "-o",
            "addopts=",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            *options,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def outcomes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [
        line.split(" - ")[0]
        for line in result.stdout.splitlines()
        if line.startswith(("PASSED ", "FAILED ", "ERROR "))
    ]


EXAMPLE_TESTS = [
    "test_signing_up_stores_a_user",
    "test_the_next_test_starts_empty",
    "test_a_commit_in_the_code_under_test_is_undone",
    "test_and_the_one_after_that_too",
    "test_listing_shows_exactly_this_tests_users",
]


def expected(first: str, rest: str) -> list[str]:
    """The outcome lines: the first example test's state, then the state of the others."""
    states = [first] + [rest] * (len(EXAMPLE_TESTS) - 1)
    return [
        f"{state} {EXAMPLES}::{name}"
        for state, name in zip(states, EXAMPLE_TESTS, strict=True)
    ]


def test_no_row_leaks_from_one_test_into_the_next(
    database_url: str, backend: str
) -> None:
    # SQLite: the fixture's default, in-memory. PostgreSQL: TEST_DATABASE_URL, as in CI.
    result = run_examples(database_url if backend == "postgres" else None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outcomes(result) == expected("PASSED", "PASSED")


def test_without_the_outer_transaction_rows_leak(
    database_url: str, backend: str
) -> None:
    result = run_examples(
        database_url if backend == "postgres" else None, naive="no-outer-transaction"
    )
    assert outcomes(result) == expected("PASSED", "FAILED")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_the_sqlite_recipe_a_commit_leaks_on_sqlite(backend: str) -> None:
    result = run_examples(None, naive="no-sqlite-recipe")
    assert outcomes(result) == expected("PASSED", "FAILED")


def test_a_loop_per_test_breaks_the_session_engine_on_postgres(
    database_url: str, backend: str
) -> None:
    """What the pytest-asyncio settings on the page prevent; SQLite does not notice."""
    result = run_examples(
        database_url if backend == "postgres" else None,
        None,
        "-o",
        "asyncio_default_test_loop_scope=function",
    )
    failed = [outcome for outcome in outcomes(result) if outcome.startswith("FAILED")]
    assert len(outcomes(result)) == 5
    if backend == "sqlite":
        assert failed == []
    else:
        assert len(failed) == 5, result.stdout[-3000:]
        assert "attached to a different loop" in result.stdout


def test_sqlalchemy_picks_static_pool_for_in_memory_aiosqlite() -> None:
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import StaticPool

    assert isinstance(create_async_engine("sqlite+aiosqlite://").pool, StaticPool)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_test_engine_rolls_back_ddl_on_sqlite(database_url: str) -> None:
    """The table's last row: with the recipe's hooks, SQLite DDL is transactional too."""
    engine = create_test_engine(database_url)
    assert await ddl_is_rolled_back(engine) == "yes"
    await engine.dispose()
