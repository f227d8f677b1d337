"""docs/sessions/timeouts.md: the per-transaction limits in a real uvicorn and behind a real
PgBouncer in transaction mode, and the dependency's two ways out."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from fastapi import HTTPException
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from snippets.database import close_db, create_engine, driver_error, sqlstate
from snippets.pgbouncer import create_pgbouncer_engine
from snippets.sessions.timeouts import (
    TIMED_OUT,
    get_limited_db,
    limit_transaction,
    report,
)
from snippets.settings import Settings
from tests import pgbouncer
from tests.pages import shown_output
from tests.servers import free_port, serving, wait_for

PAGE = "sessions/timeouts.md"
SHOW = text("SHOW statement_timeout")
PID = text("SELECT pg_backend_pid()")


@pytest.mark.parametrize("backend", ["postgres"])
def test_the_dependency_in_a_real_uvicorn_answers_as_shown(database_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"DATABASE_URL": database_url}
    app = "snippets.sessions.timeouts:app"
    with serving("uvicorn", app, "--port", str(port), env=env) as process:
        wait_for(process, f"{base}/health")
        answers = []
        for seconds in (0, 1, 0):
            response = httpx.get(f"{base}/report", params={"seconds": seconds})
            answers.append(
                f"GET /report?seconds={seconds}: {response.status_code} {response.text}"
            )
    assert "\n".join(answers) == shown_output(PAGE, "timeouts-fastapi")


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("version", ["1.18", "1.24"])
async def test_set_local_behind_a_transaction_pooler_ends_with_the_transaction(
    database_url: str, version: str
) -> None:
    with pgbouncer.transaction_pooler(make_url(database_url), version=version) as url:
        settings = Settings(database_url=url)
        # 1.18 tracks no prepared statements: the guide's engine for it (pgbouncer.md).
        make = create_pgbouncer_engine if version == "1.18" else create_engine
        first, second = make(settings), make(settings)
        try:
            await limited_then_default(first, second)
        finally:
            await close_db(first)
            await close_db(second)


async def limited_then_default(first: AsyncEngine, second: AsyncEngine) -> None:
    """One client's limit cancels its statement and ends with its transaction: another
    client's next transaction on the same server connection has the default."""
    async with first.connect() as connection:
        async with connection.begin():
            await connection.execute(
                text("SELECT set_config('statement_timeout', '200ms', true)")
            )
            assert await connection.scalar(SHOW) == "200ms"
            server_pid = await connection.scalar(PID)
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(text("SELECT pg_sleep(1)"))
        error = driver_error(raised.value)
        assert isinstance(error, asyncpg.QueryCanceledError)
        assert str(error) == "canceling statement due to statement timeout"
    async with second.connect() as connection:
        # PgBouncer hands the idle server connection to the next client.
        assert await connection.scalar(PID) == server_pid
        assert await connection.scalar(SHOW) == "0"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_dependency_answers_503_for_a_timeout_only(
    engine: AsyncEngine,
) -> None:
    """In-process, the same paths the uvicorn test takes, and one it does not: another
    database error passes through unchanged."""
    async with engine.connect() as connection, connection.begin():
        with pytest.raises(DBAPIError) as other:
            await connection.execute(text("SELECT 1/0"))
    async with AsyncSession(engine) as session:
        dependency = get_limited_db(session)
        assert await anext(dependency) is session
        assert await report(session) == {"statement_timeout": "200ms"}
        with pytest.raises(DBAPIError) as timed_out:
            await report(session, seconds=1)
        with pytest.raises(HTTPException) as answered:
            await dependency.athrow(timed_out.value)
        assert answered.value.status_code == 503
    async with AsyncSession(engine) as session:
        dependency = get_limited_db(session)
        await anext(dependency)
        await session.commit()  # the next transaction is not limited
        assert await session.scalar(SHOW) == "0"
        with pytest.raises(DBAPIError) as passed:
            await dependency.athrow(other.value)
        assert passed.value is other.value


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_terminated_connection_alone_leaves_the_query_running(
    database_url: str,
) -> None:
    """What ends the server's statement after asyncio.timeout is asyncpg's cancel request,
    not the closed connection: closed without one, the statement goes on."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    watcher = await asyncpg.connect(dsn)
    sleeper = await asyncpg.connect(dsn)
    try:
        pid = sleeper.get_server_pid()
        running = asyncio.ensure_future(sleeper.execute("SELECT pg_sleep(2)"))
        await asyncio.sleep(0.2)
        sleeper.terminate()
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):
            await running
        await asyncio.sleep(0.3)
        state = "SELECT state FROM pg_stat_activity WHERE pid = $1"
        assert await watcher.fetchval(state, pid) == "active"
    finally:
        await watcher.execute("SELECT pg_terminate_backend($1)", pid)
        await watcher.close()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_limit_transaction_defaults(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        await limit_transaction(session)
        assert await session.scalar(SHOW) == "200ms"
        assert await session.scalar(text("SHOW lock_timeout")) == "100ms"


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(("end", "next_sees"), [("commit", "200ms"), ("rollback", "0")])
async def test_a_committed_plain_set_follows_the_connection_back_into_the_pool(
    engine: AsyncEngine, end: str, next_sees: str
) -> None:
    """Why the page sets its limits with SET LOCAL: a plain SET whose transaction commits
    stays on the connection; the pool's reset rollback undoes only an uncommitted one."""
    async with AsyncSession(engine) as session:
        await session.execute(text("SET statement_timeout = '200ms'"))
        pid = await session.scalar(PID)
        await getattr(session, end)()
    async with AsyncSession(engine) as session:
        assert await session.scalar(PID) == pid
        assert await session.scalar(SHOW) == next_sees


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_timeout_sqlstates_also_cover_a_user_cancel_and_nowait(
    engine: AsyncEngine,
) -> None:
    """The dependency's comment: a 503 also for pg_cancel_backend() and NOWAIT."""
    async with AsyncSession(engine) as holder, AsyncSession(engine) as other:
        await holder.execute(text("SELECT 1 FROM pg_class LIMIT 1 FOR UPDATE"))
        with pytest.raises(DBAPIError) as nowait:
            await other.execute(
                text("SELECT 1 FROM pg_class LIMIT 1 FOR UPDATE NOWAIT")
            )
        await other.rollback()
        pid = await other.scalar(PID)
        sleeping = asyncio.create_task(other.execute(text("SELECT pg_sleep(5)")))
        await asyncio.sleep(0.2)
        await holder.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as cancelled:
            await sleeping
    states = {sqlstate(e.value) for e in (nowait, cancelled)}
    assert states == {"55P03", "57014"} == TIMED_OUT
