"""The Isolation and retries page: a table of two accounts for the concurrency programs,
and `run_transaction`, which runs a whole transaction again when PostgreSQL asks for it
(a serialization failure, SQLSTATE 40001, or a deadlock, 40P01); and `sqlite_begin`,
which makes a SQLite transaction begin before its first read."""

# --8<-- [start:accounts]
import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.database import driver_error, sqlstate


class IsolationBase(DeclarativeBase):
    """The table of this page's programs, apart from the guide's domain."""


class Account(IsolationBase):
    __tablename__ = "isolation_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    balance: Mapped[int]


async def open_accounts(engine: AsyncEngine) -> None:
    """Accounts 1 and 2, with 100 each, in a table created afresh."""
    async with engine.begin() as connection:
        await connection.run_sync(IsolationBase.metadata.drop_all)
        await connection.run_sync(IsolationBase.metadata.create_all)
        rows = [{"id": 1, "balance": 100}, {"id": 2, "balance": 100}]
        await connection.execute(insert(Account), rows)


# --8<-- [end:accounts]


# --8<-- [start:sqlstate]
# Serialization failure, deadlock: the server gave up on the transaction, not on the
# data, and the same transaction may succeed if it runs again from the start.
RETRYABLE = frozenset({"40001", "40P01"})


def explain(exc: BaseException) -> str:
    """A database error as the application meets it: SQLAlchemy's class, the SQLSTATE,
    asyncpg's class and the first line of its message (a DETAIL, a HINT may follow)."""
    error = driver_error(exc)
    message = str(error).splitlines()[0]
    return f"{type(exc).__name__} {sqlstate(exc)}, {type(error).__name__}: {message}"


# --8<-- [end:sqlstate]


# --8<-- [start:run_transaction]
T = TypeVar("T")


async def run_transaction(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = 3,
    backoff: float = 0.02,
) -> T:
    """Run `work` in a new session and transaction, committed at the end; again, in a
    new one, after a serialization failure or a deadlock: `attempts` times at most."""
    attempt = 1
    while True:
        try:
            async with sessions.begin() as session:  # commits, or rolls back
                return await work(session)
        except DBAPIError as exc:
            if sqlstate(exc) not in RETRYABLE or attempt >= attempts:
                raise  # another error at once; the last conflict when out of attempts
        # Jitter: two transactions that collided do not come back at the same moment.
        await asyncio.sleep(random.uniform(0, backoff * 2 ** (attempt - 1)))
        attempt += 1


# --8<-- [end:run_transaction]


# --8<-- [start:sqlite_begin]
def sqlite_begin(engine: AsyncEngine, statement: str = "BEGIN") -> None:
    """SQLAlchemy's recipe for SQLite: the driver, which sends BEGIN only before a
    write, sends none; SQLAlchemy sends `statement` as each transaction starts."""

    @event.listens_for(engine.sync_engine, "connect")
    def no_driver_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def begin_first(connection: Connection) -> None:
        connection.exec_driver_sql(statement)


# --8<-- [end:sqlite_begin]
