"""docs/queries/reading.md: PostgreSQL's ILIKE folds case by the database's locale."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
import pytest

from tests import postgres

QUERY = "SELECT 'Émile Zola' ILIKE '%émile%'"
CTYPE = "SELECT datctype FROM pg_database WHERE datname = current_database()"


async def ilike_in(database: str) -> tuple[str, bool]:
    url = postgres.admin_url().set(drivername="postgresql", database=database)
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        return await connection.fetchval(CTYPE), await connection.fetchval(QUERY)
    finally:
        await connection.close()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_ilike_finds_non_ascii_letters_in_a_utf8_locale_only(
    database_url: str,
) -> None:
    ctype, found = await ilike_in(database_url.rsplit("/", 1)[1].split("?")[0])
    assert "UTF-8" in ctype.upper()
    assert found
    if postgres.is_embedded():  # the server the page names
        page = (Path(__file__).parents[2] / "docs/queries/reading.md").read_text()
        assert f"`{ctype}`" in page
    name = f"{os.environ[postgres.PREFIX_ENV]}_{uuid.uuid4().hex[:12]}"
    await postgres.admin_execute(
        f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'"
    )
    try:
        assert await ilike_in(name) == ("C", False)
    finally:
        await postgres.admin_execute(f'DROP DATABASE "{name}" WITH (FORCE)')
