"""Claims on docs/sessions/index.md that its programs do not show by themselves: the
transaction log helper, a route that reads before `session.begin()`, what an idle read
holds on PostgreSQL, and TestClient with an engine of another loop on a file database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.app import DbSession
from snippets.database import (
    close_db,
    create_engine,
    create_session_factory,
    driver_error,
    init_db,
)
from snippets.models import User
from snippets.sessions.index import TestClient, log_transactions
from snippets.settings import Settings
from tests.docs_examples import ROOT

POSTGRES = pytest.mark.parametrize("backend", ["postgres"])


async def test_log_transactions_sees_begin_and_the_end(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    with log_transactions(engine) as sent:
        async with sessions() as session:
            await session.scalar(select(func.count()).select_from(User))
            await session.commit()
        async with sessions() as session:
            await session.scalar(select(func.count()).select_from(User))
    assert sent == [
        "BEGIN",
        "SELECT count(*) AS count_1 FROM users",
        "COMMIT",
        "BEGIN",
        "SELECT count(*) AS count_1 FROM users",
        "ROLLBACK",
    ]
    async with sessions() as session:  # after the block: no longer listening
        await session.scalar(select(func.count()).select_from(User))
    assert len(sent) == 6


def name_app() -> FastAPI:
    app = FastAPI()

    @app.patch("/users/{user_id}")
    async def rename(user_id: int, name: str, session: DbSession) -> str:
        user = await session.get_one(User, user_id)  # the check before the block
        async with session.begin():
            user.name = name
        return user.name

    return app


async def test_a_route_that_reads_before_begin_fails(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions.begin() as session:
        session.add(User(email="ada@example.com", name="Ada Lovelace"))
    app = name_app()
    app.state.session_factory = sessions
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(InvalidRequestError) as caught:
            await client.patch("/users/1", params={"name": "Ada King"})
    assert str(caught.value) == "A transaction is already begun on this Session."


@POSTGRES
async def test_an_idle_read_holds_its_lock_until_close(engine: AsyncEngine) -> None:
    """The read's ACCESS SHARE lock on the table lasts as long as the transaction: a
    migration's ALTER TABLE waits for the session to close."""
    sessions = create_session_factory(engine)
    alter = text("ALTER TABLE users ADD COLUMN nickname text")
    reader = sessions()
    await reader.scalar(select(func.count()).select_from(User))
    async with engine.connect() as migration:
        await migration.execute(text("SET lock_timeout = '100ms'"))
        with pytest.raises(DBAPIError) as caught:
            await migration.execute(alter)
        error = driver_error(caught.value)
        assert f"{type(error).__name__}: {error}" == (
            "LockNotAvailableError: canceling statement due to lock timeout"
        )
        await migration.rollback()
        await reader.close()
        await migration.execute(alter)  # nothing holds the table any more


def lifespan_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        await init_db(engine, create_tables=True)
        app.state.session_factory = create_session_factory(engine)
        yield
        await close_db(engine)

    app = FastAPI(lifespan=lifespan)

    @app.get("/users/count")
    async def count(session: DbSession) -> int:
        return await session.scalar(select(func.count()).select_from(User)) or 0

    return app


async def test_testclient_with_an_engine_of_another_loop(
    engine: AsyncEngine, backend: str
) -> None:
    """On a file database too (the page's program uses an in-memory one): SQLite passes,
    PostgreSQL fails."""
    app = lifespan_app(Settings())  # lifespan unused: TestClient without `with`
    app.state.session_factory = create_session_factory(engine)  # this loop's engine
    client = TestClient(app)
    if backend == "sqlite":
        assert client.get("/users/count").json() == 0
        return
    with pytest.raises(RuntimeError, match="attached to a different loop"):
        client.get("/users/count")
    async with engine.connect() as connection:  # still works on its own loop
        assert await connection.scalar(select(1)) == 1
    await engine.dispose()


@POSTGRES
def test_testclient_other_loop_logs_the_connection_it_cannot_close(
    settings: Settings,
) -> None:
    """The page's program on PostgreSQL: its output is the RuntimeError, and the pool,
    failing to close the broken connection from the wrong loop, logs to stderr."""
    program = ROOT / "snippets/sessions/examples/index/testclient_other_loop.py"
    result = subprocess.run(
        [sys.executable, str(program)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "attached to a different loop" in result.stdout
    assert "Exception terminating connection" in result.stderr
    assert "attached to a different loop" in result.stderr
    assert "Future exception was never retrieved" in result.stderr
    assert (
        "ConnectionDoesNotExistError: connection was closed in the middle of operation"
        in result.stderr
    )


def test_testclient_runs_the_lifespan_on_its_loop(settings: Settings) -> None:
    with TestClient(lifespan_app(settings)) as client:
        counts = [client.get("/users/count").json() for _ in range(3)]
    assert counts == [0, 0, 0]


def test_importing_testclient_with_httpx_warns() -> None:
    """Why the page's programs import TestClient from snippets.sessions.index."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import fastapi.testclient"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        "StarletteDeprecationWarning: Using `httpx` with `starlette.testclient` is "
        "deprecated; install `httpx2` instead." in result.stderr
    )
    quiet = "import snippets.sessions.index"
    command = [sys.executable, "-W", "error", "-c", quiet]
    assert subprocess.run(command, cwd=ROOT, check=False).returncode == 0
