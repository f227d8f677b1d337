"""docs/testing/index.md#sqlite-and-postgresql-differ: each cell is what the backend did."""

from __future__ import annotations

from snippets.testing.differences import observe
from tests.pages import shown_table

COLUMN = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


async def test_the_table_shows_what_each_backend_does(
    database_url: str, backend: str
) -> None:
    shown = {
        row["behaviour"]: row[COLUMN[backend]]
        for row in shown_table("testing/index.md", "differences")
    }
    assert shown == await observe(database_url)
