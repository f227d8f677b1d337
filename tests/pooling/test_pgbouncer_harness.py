"""tests/pgbouncer.py itself: PgBouncer keeps serving however much it logs."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import URL, make_url

from tests import pgbouncer

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

# Each login writes two log lines (login attempt, closing); 600 of them are about 120 KiB,
# more than a pipe holds (64 KiB) if nobody reads PgBouncer's output.
LOGINS = 600


async def test_many_logins_do_not_stall_pgbouncer(database_url: str) -> None:
    with pgbouncer.pooler(make_url(database_url), "transaction") as url:
        async with asyncio.timeout(20):
            for _ in range(LOGINS):
                conn = await asyncpg.connect(
                    host=url.host,
                    port=url.port,
                    user=url.username,
                    database=url.database,
                )
                await conn.close()


class Boom(Exception):
    pass


async def serve_then_fail(server: URL, version: str) -> None:
    with pgbouncer.pooler(server, "transaction", version=version) as url:
        conn = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
        raise Boom


@pytest.mark.parametrize("version", list(pgbouncer.BINARIES))
async def test_each_version_serves_and_a_failure_shows_its_log(
    database_url: str, version: str
) -> None:
    with pytest.raises(Boom) as raised:
        await serve_then_fail(make_url(database_url), version)
    (note,) = raised.value.__notes__
    assert note.startswith(f"PgBouncer {version} log, last lines:")
    assert "login attempt" in note
