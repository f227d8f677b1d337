"""docs/mistakes/index.md#pgbouncer-prepared-statements, on PgBouncer 1.18 in transaction mode."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.pgbouncer import create_pgbouncer_engine
from snippets.settings import Settings
from tests import pgbouncer
from tests.pages import shown_output

QUERY = text("SELECT count(*) FROM pg_class")


async def interleave(engine: AsyncEngine) -> int:
    """The same statement in two transactions of one connection, while another connection
    holds the server connection the first transaction used."""
    async with engine.connect() as first:
        await first.scalar(QUERY)
        await first.commit()
        async with engine.connect() as second:
            await second.execute(text("SELECT 1"))  # keeps its server connection busy
            result = await first.scalar(QUERY)
            await second.commit()
        await first.commit()
    return int(result or 0)


@pytest.fixture
def through_pgbouncer(database_url: str) -> URL:
    with pgbouncer.transaction_pooler(make_url(database_url), version="1.18") as url:
        yield url


@pytest.mark.parametrize("backend", ["postgres"])
async def test_default_engine_fails_with_the_shown_error(
    through_pgbouncer: URL,
) -> None:
    engine = create_async_engine(through_pgbouncer)
    with pytest.raises(DBAPIError) as raised:
        await interleave(engine)
    await engine.dispose()
    cause = raised.value.orig.__cause__
    first_line = str(cause).splitlines()[0]
    message = f"{type(cause).__name__}: {first_line}"
    normalised = re.sub(r"__asyncpg_stmt_\w+__", "__asyncpg_stmt_N__", message)
    # Both pages show it: the mistakes entry and the PgBouncer page.
    assert normalised == shown_output(
        "mistakes/index.md", "pgbouncer-prepared-statement"
    )
    assert normalised == shown_output("pooling/pgbouncer.md", "pgbouncer-asyncpg-error")


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_pgbouncer_engine_works(through_pgbouncer: URL) -> None:
    engine = create_pgbouncer_engine(Settings(database_url=through_pgbouncer))
    assert await interleave(engine) > 0
    await engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_on_pgbouncer_1_24_the_default_engine_works(database_url: str) -> None:
    """The entry is for PgBouncer before 1.21: on 1.24 the same interleaving succeeds."""
    with pgbouncer.transaction_pooler(make_url(database_url), version="1.24") as url:
        engine = create_async_engine(url)
        try:
            assert await interleave(engine) > 0
        finally:
            await engine.dispose()
