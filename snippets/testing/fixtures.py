"""The fixtures of the testing chapter. tests/conftest.py loads this module as a plugin:

pytest_plugins = ["snippets.testing.fixtures"]
"""

# --8<-- [start:db_url]
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from snippets.app import create_app
from snippets.database import create_engine
from snippets.models import Base
from snippets.settings import Settings


@pytest.fixture(scope="session")
def db_url() -> str:
    """Where the tests' tables live: in-memory SQLite unless TEST_DATABASE_URL says."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite+aiosqlite://")


# --8<-- [end:db_url]


# --8<-- [start:test_engine]
def create_test_engine(url: str) -> AsyncEngine:
    settings = Settings(database_url=url)
    if settings.database_url.get_backend_name() != "sqlite":
        return create_engine(settings)
    # StaticPool: every checkout gets the same connection, so an in-memory database
    # (which lives and dies with its connection) is the same database for every session.
    engine = create_async_engine(settings.database_url, poolclass=StaticPool)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Python's sqlite3 driver delays BEGIN and commits on its own around SAVEPOINTs;
    # SQLAlchemy's recipe: switch that off and emit BEGIN ourselves (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # as the app's engine does
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


# --8<-- [end:test_engine]


# --8<-- [start:db_engine]
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """One engine and one set of tables for the whole test session."""
    engine = create_test_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


# --8<-- [end:db_engine]


# --8<-- [start:db_session]
@pytest_asyncio.fixture(loop_scope="session")
async def db_connection(db_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection per test, inside a transaction that is rolled back after it."""
    async with db_engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


def sessions_in_transaction(
    connection: AsyncConnection,
) -> async_sessionmaker[AsyncSession]:
    """Sessions that join the test's transaction: their commit() and rollback() act on
    a SAVEPOINT, and the test's rollback undoes everything."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,  # as the app's factory
        close_resets_only=False,
        join_transaction_mode="create_savepoint",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def db_session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """The test's own session, for arranging rows and checking what requests wrote."""
    async with sessions_in_transaction(db_connection)() as session:
        yield session


# --8<-- [end:db_session]


# --8<-- [start:client]
@asynccontextmanager
async def app_client(
    app: FastAPI, connection: AsyncConnection
) -> AsyncIterator[AsyncClient]:
    """`app` running its lifespan, each request with its own session on `connection`."""
    # LifespanManager runs startup and shutdown and hands the lifespan's state to
    # requests, as a server does; ASGITransport alone runs no lifespan.
    async with LifespanManager(app) as manager:
        # After startup: the app's own get_db now opens its sessions from this factory.
        app.state.session_factory = sessions_in_transaction(connection)
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest_asyncio.fixture(loop_scope="session")
async def client(
    db_url: str, db_connection: AsyncConnection
) -> AsyncIterator[AsyncClient]:
    """The reference app; requests run one at a time on the test's connection."""
    async with app_client(
        create_app(Settings(database_url=db_url)), db_connection
    ) as c:
        yield c


# --8<-- [end:client]
