"""docs/setup/index.md: the install line, the pinned versions, the greenlet extra."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests import starter, versions
from tests.docs_examples import ROOT
from tests.pages import shown_output, shown_table


@pytest.mark.needs("sqlalchemy>=2.1")
def test_versions_table_matches_installed_packages() -> None:
    rows = {
        row["package"]: row["version"]
        for row in shown_table("setup/index.md", "versions")
    }
    server = rows.pop("PostgreSQL server")
    assert rows == {name: version(name) for name in rows}
    assert set(rows) >= {
        "sqlalchemy",
        "asyncpg",
        "aiosqlite",
        "fastapi",
        "pydantic-settings",
    }
    assert server.isdigit()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_server_version_is_a_documented_one(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        number = await connection.scalar(text("SHOW server_version_num"))
    shown = {
        row["package"]: row["version"]
        for row in shown_table("setup/index.md", "versions")
    }
    proven = {
        row["PostgreSQL"] for row in shown_table("setup/index.md", "proven-versions")
    }
    major = str(int(number) // 10000)
    assert major in proven
    if not os.environ.get(versions.BACKENDS_ENV):  # the main cell, not a matrix cell
        assert major == shown["PostgreSQL server"] == versions.MAIN.postgresql


def test_the_proven_versions_table_is_the_matrix() -> None:
    """The cells tests/test_versions.py runs (each checks it ran exactly its versions)."""

    def what_runs(cell: versions.Cell) -> str:
        if cell == versions.MAIN:
            return "every test, SQLite and PostgreSQL"
        tests = (
            "the examples and the chapters' tests" if cell.chapters else "the examples"
        )
        if cell.backends == ("sqlite", "postgres") and cell.chapters:
            # The cells run chapter tests on PostgreSQL only (versions.CHAPTER_BACKENDS_ENV).
            return "the examples on SQLite and PostgreSQL, the chapters' tests on PostgreSQL"
        if cell.chapters and cell.postgresql != versions.MAIN.postgresql:
            # run_cell ignores versions.OWN_SERVERS there
            return f"{tests} on PostgreSQL, but Deploying's"
        return f"{tests} on PostgreSQL"

    assert shown_table("setup/index.md", "proven-versions") == [
        {
            "SQLAlchemy": c.sqlalchemy,
            "PostgreSQL": c.postgresql,
            "what runs": what_runs(c),
        }
        for c in (versions.MAIN, *versions.CELLS)
    ]


# A fresh interpreter in which greenlet cannot be imported, as after `pip install sqlalchemy`.
GREENLET_PROGRAM = (
    "import sys; sys.modules['greenlet'] = None\n"
    "import asyncio\n"
    "from sqlalchemy import text\n"
    "from sqlalchemy.ext.asyncio import create_async_engine\n"
    "async def main():\n"
    "    engine = create_async_engine('sqlite+aiosqlite://')\n"
    "    async with engine.connect() as connection:\n"
    "        await connection.execute(text('SELECT 1'))\n"
    "asyncio.run(main())\n"
)


@pytest.mark.needs("sqlalchemy>=2.1")
def test_without_greenlet_the_first_await_fails_as_shown() -> None:
    result = subprocess.run(
        [sys.executable, "-c", GREENLET_PROGRAM], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == shown_output(
        "setup/index.md", "missing-greenlet"
    )


def test_install_line_names_exactly_the_runtime_dependencies() -> None:
    named = set(starter.install_line())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[\[=<>]", dep)[0] for dep in project["dependencies"]}
    # The install line is for the reader's app: pydantic comes with pydantic-settings,
    # asgi-lifespan with the verify script and the tests, pgvector with the vectors page.
    assert named == runtime - {"pydantic", "asgi-lifespan", "pgvector"}


def test_fastapi_does_not_bring_httpx() -> None:
    requires = importlib.metadata.requires("fastapi") or []
    assert not [r for r in requires if r.startswith("httpx") and "extra" not in r]


def test_uvicorn_standard_serves_on_uvloop_and_httptools() -> None:
    """The Setup page: with the [standard] extra, uvicorn's defaults pick both."""
    import uvloop
    from uvicorn.config import Config
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    config = Config("snippets.app:app")  # loop="auto", http="auto"
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    assert config.get_loop_factory() is uvloop.new_event_loop


def test_install_line_asks_for_the_extras_the_pins_have() -> None:
    page = (ROOT / "docs" / "setup" / "index.md").read_text()
    line = next(line for line in page.splitlines() if line.startswith("pip install "))
    extras = {word.strip('"') for word in line.split() if "[" in word}
    pinned = {dep.split("==")[0] for dep in starter.pins().values() if "[" in dep}
    assert extras == {"sqlalchemy[asyncio]", "uvicorn[standard]"}
    assert extras <= pinned
