"""docs/pooling/pgbouncer.md, on Debian's PgBouncer in front of the test server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.pooling.psycopg import create_psycopg_pgbouncer_engine
from tests import pgbouncer
from tests.mistakes.test_pgbouncer import QUERY, interleave
from tests.pages import shown_output

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


@pytest.fixture
def session_mode(database_url: str) -> Iterator[URL]:
    with pgbouncer.pooler(make_url(database_url), "session") as url:
        yield url


@pytest.fixture
def transaction_mode(database_url: str) -> Iterator[URL]:
    with pgbouncer.pooler(make_url(database_url), "transaction") as url:
        yield url


async def test_session_mode_needs_no_changes(session_mode: URL) -> None:
    engine = create_async_engine(session_mode)
    assert await interleave(engine) > 0
    await engine.dispose()


async def repeat(engine: AsyncEngine) -> None:
    """One statement eight times, each in its own transaction; from the sixth on, a second
    connection holds a server connection, so PgBouncer hands the first another one."""
    async with engine.connect() as first, engine.connect() as second:
        for run in range(8):
            await first.scalar(QUERY)
            await first.commit()
            if run == 5:
                await second.execute(text("SELECT 1"))


async def test_psycopg_prepares_on_the_sixth_run_and_fails(
    transaction_mode: URL,
) -> None:
    engine = create_async_engine(transaction_mode.set(drivername="postgresql+psycopg"))
    with pytest.raises(DBAPIError) as raised:
        await repeat(engine)
    await engine.dispose()
    message = str(raised.value.orig).splitlines()[0]
    assert message == shown_output("pooling/pgbouncer.md", "psycopg-prepared")


async def test_psycopg_without_prepared_statements_works(transaction_mode: URL) -> None:
    engine = create_psycopg_pgbouncer_engine(transaction_mode)
    await repeat(engine)
    assert await interleave(engine) > 0
    await engine.dispose()
