"""docs/setup/index.md: the install line, the pinned versions, the greenlet extra."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.pages import shown_output, shown_table


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
async def test_postgres_server_version_is_the_documented_one(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        number = await connection.scalar(text("SHOW server_version_num"))
    shown = {
        row["package"]: row["version"]
        for row in shown_table("setup/index.md", "versions")
    }
    assert int(number) // 10000 == int(shown["PostgreSQL server"])


def test_without_greenlet_the_first_await_fails_as_shown() -> None:
    # A fresh interpreter in which greenlet cannot be imported, as after `pip install sqlalchemy`.
    program = (
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
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == shown_output(
        "setup/index.md", "missing-greenlet"
    )
