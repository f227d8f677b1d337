# --8<-- [start:whole_file]
"""Test plumbing shared by every chapter: backends, databases, the docs summary line."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.database import close_db, create_engine, init_db
from snippets.settings import Settings
from tests import docs_examples, postgres, versions

# The testing chapter's fixtures (db_engine, db_session, client), used here as taught there.
pytest_plugins = ["snippets.testing.fixtures"]

_server: postgres.EmbeddedServer | None = None


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    # --update-examples rewrites pages in place; parallel workers would overwrite each other.
    if config.getoption("update_examples", False) and getattr(
        config.option, "numprocesses", None
    ):
        config.option.numprocesses = 0
        config.option.dist = "no"


def pytest_configure(config: pytest.Config) -> None:
    global _server
    if _is_worker(config):
        return
    try:
        _server = postgres.start()
    except RuntimeError as exc:
        raise pytest.UsageError(str(exc)) from exc


def pytest_report_header(config: pytest.Config) -> str:
    source = "embedded server" if postgres.is_embedded() else postgres.USER_ENV
    return f"postgres backend: {postgres.admin_url()} ({source})"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _is_worker(config) or postgres.PREFIX_ENV not in os.environ:
        return
    if _server is not None:
        _server.stop()
    elif os.environ.get(postgres.USER_ENV):
        postgres.drop_leftovers()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    cells = []
    for key in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            cells += [
                v for k, v in getattr(report, "user_properties", []) if k == "cell"
            ]
            if "test_docs.py::test_docs_example[" not in nodeid:
                continue
            backend = nodeid.split("[", 1)[1].split("-", 1)[0]
            outcome = {"error": "failed"}.get(key, key)
            if key == "skipped" and docs_examples.NOT_FOR_THIS_VERSION in str(
                report.longrepr
            ):
                outcome = docs_examples.NOT_FOR_THIS_VERSION
            outcomes[(backend, outcome)] += 1
    blocks = len(docs_examples.inline_blocks())
    line = docs_examples.summary_line(blocks, outcomes, versions.running())
    terminalreporter.write_line(line)
    # The other cells of the version matrix (tests/test_versions.py), one line each.
    for cell in sorted(cells):
        terminalreporter.write_line(cell)
    if summary_file := os.environ.get(versions.SUMMARY_FILE_ENV):
        Path(summary_file).write_text(line + "\n")


# The fast lane, `pytest --no-cov -m fast` (docs/contributing.md#fast-lane): what an edit to a
# page or a snippet needs first, in under a minute. The full command runs everything.
FAST_LANE = {
    "tests/test_integrity.py",
    "tests/test_shown_code.py",
    "tests/test_error_headings.py",
    "tests/test_quality.py",
    "tests/test_harness.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the fast lane: the modules above, and every example on SQLite."""
    for item in items:
        params = getattr(item, "callspec", None)
        on_sqlite = params is not None and params.params.get("backend") == "sqlite"
        path = item.path.relative_to(docs_examples.ROOT).as_posix()
        if path in FAST_LANE or (path == "tests/test_docs.py" and on_sqlite):
            item.add_marker(pytest.mark.fast)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """@pytest.mark.needs("postgresql>=18"): the version-matrix cells on older versions skip
    the test, saying so (tests/test_versions.py allows no other skip in a cell)."""
    for marker in item.iter_markers("needs"):
        reason = versions.skip_reason(versions.parse_needs(marker.args[0]))
        if reason:
            pytest.skip(reason)


# --- backends -------------------------------------------------------------------------------


# --8<-- [start:db_url_override]
@pytest.fixture(
    scope="session",
    params=docs_examples.active_backends(versions.CHAPTER_BACKENDS_ENV),
)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Overrides the chapter's db_url: every test that uses db_session runs on both
    backends, with one in-memory SQLite database and one PostgreSQL database per worker."""
    if request.param == "sqlite":
        yield "sqlite+aiosqlite://"
        return
    with postgres.temporary_database() as url:
        yield url.render_as_string(hide_password=False)


# --8<-- [end:db_url_override]


@pytest.fixture(params=docs_examples.active_backends(versions.CHAPTER_BACKENDS_ENV))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to a new, empty database on the test's backend, as a reader would write it."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        return
    with postgres.temporary_database() as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings read from the environment, exactly as the app reads them."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    # sample_db() uses a private in-memory database unless told otherwise.
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    monkeypatch.delenv("DB_ECHO", raising=False)
    return Settings()


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database with the domain tables created."""
    engine = create_engine(settings)
    await init_db(engine, create_tables=True)
    yield engine
    await close_db(engine)


@pytest.fixture
def password_role() -> URL:
    """A role that must log in with a password (see tests/postgres.py)."""
    role = postgres.PASSWORD_ROLE
    postgres._run(
        postgres.admin_execute(
            f"DO $$ BEGIN CREATE ROLE {role} LOGIN PASSWORD 'right-password'; "
            f"EXCEPTION WHEN duplicate_object THEN ALTER ROLE {role} PASSWORD 'right-password'; "
            "END $$"
        )
    )
    return postgres.admin_url().set(username=role, database="postgres")


# --- pytest-examples on Python 3.11 ---------------------------------------------------------


def _note_example_lines(
    exc: BaseException, module_path: str, example: Any
) -> TracebackType | None:
    """Replacement for pytest-examples' traceback rewriting on Python 3.11.

    pytest-examples 0.0.18 builds fake frames from `co_lnotab`, which 3.11 code objects reject,
    and pytest then aborts the whole session. Instead, keep the real traceback and add a note
    naming the page lines where the exception passed through the example.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == module_path:
            path = Path(example.path)
            shown = path.relative_to(docs_examples.ROOT) if path.is_absolute() else path
            exc.add_note(
                f"  in the example at {shown}:{example.start_line + tb.tb_lineno}"
            )
        tb = tb.tb_next
    return None  # run_code then re-raises the exception with its own traceback


if sys.version_info < (3, 12):
    import pytest_examples.run_code

    pytest_examples.run_code.create_example_traceback = _note_example_lines
# --8<-- [end:whole_file]
