"""The engine, the session factory and the FastAPI session dependency."""

# --8<-- [start:engine]
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import Request
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from snippets.models import Base
from snippets.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=settings.db_echo)
        # SQLite ignores foreign keys (and ON DELETE CASCADE) unless a connection asks.
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_async_engine(
        url,
        echo=settings.db_echo,
        # At most pool_size + max_overflow connections per process; count every worker.
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # Fail a request after this many seconds instead of queueing forever.
        pool_timeout=settings.db_pool_timeout,
        # Replace connections before a proxy or firewall drops them while idle.
        pool_recycle=settings.db_pool_recycle,
        # A ping at checkout replaces a dead connection instead of failing the request.
        pool_pre_ping=True,
        # asyncpg waits 60 s for an unreachable host; startup should fail sooner.
        connect_args={"timeout": 10},
    )


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# --8<-- [end:engine]


# --8<-- [start:sessionmaker]
def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine,
        # Committed objects keep their loaded values: reading one after commit() would
        # otherwise need a lazy load, which async code cannot do (MissingGreenlet).
        expire_on_commit=False,
        # A closed session refuses further use: code that outlives its request (a
        # background task, a streaming body) fails instead of quietly checking out a
        # connection that nothing will return.
        close_resets_only=False,
    )


# --8<-- [end:sessionmaker]


# --8<-- [start:lifecycle]
class DatabaseUnavailableError(RuntimeError):
    """The database could not be reached or refused the credentials."""


class MigratedDatabaseError(RuntimeError):
    """create_all was asked for on a database whose schema Alembic manages."""


async def init_db(engine: AsyncEngine, *, create_tables: bool = False) -> None:
    """Fail fast if the database is unusable; create_tables: create missing tables, for
    throwaway databases (examples, tests), never one that migrations manage."""
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
            if create_tables:
                await connection.run_sync(_create_tables_unless_migrated)
    # SQLAlchemy 2.0 lets asyncpg's refusals at connect out unwrapped; 2.1 wraps them.
    except (OSError, DBAPIError, asyncpg.PostgresError) as exc:
        reason = driver_error(exc)
        # str(URL) masks the password, so the message is safe to log.
        raise DatabaseUnavailableError(
            f"cannot use the database at {engine.url}: "
            f"{type(reason).__name__}: {reason}"
        ) from exc


def _create_tables_unless_migrated(connection: Connection) -> None:
    # Tables made here would make the first migration fail with `relation ... already
    # exists`, and later model changes would never reach this database.
    if inspect(connection).has_table("alembic_version"):
        raise MigratedDatabaseError(
            f"not creating tables in {connection.engine.url}: its schema is managed by "
            "Alembic (alembic_version exists); run `alembic upgrade head` instead"
        )
    Base.metadata.create_all(connection)


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception, whose class names the problem."""
    orig: BaseException | None = getattr(exc, "orig", None)
    if orig is None:
        return exc
    # SQLAlchemy's adapter wraps the driver's exception, which is the informative one.
    return orig.__cause__ or orig


def sqlstate(exc: BaseException) -> str | None:
    """The server's SQLSTATE for a database error; None for anything else."""
    code = getattr(driver_error(exc), "sqlstate", None)
    return code if isinstance(code, str) else None


async def close_db(engine: AsyncEngine) -> None:
    # Close pooled connections while their event loop still runs; once it is gone they
    # can only be abandoned, still open on the server.
    await engine.dispose()


# --8<-- [end:lifecycle]


# --8<-- [start:get_db]
async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    session_factory: async_sessionmaker[AsyncSession] = (
        request.app.state.session_factory
    )
    async with session_factory() as session:
        try:
            yield session
        except Exception:
            # Routes commit explicitly; what a failing route did not commit is undone.
            await session.rollback()
            raise


# --8<-- [end:get_db]
