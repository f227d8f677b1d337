"""Running Alembic from code that already runs an event loop: a FastAPI lifespan, a test
fixture, a deploy script."""

# --8<-- [start:run_alembic]
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# Any fixed number: every process that migrates this database takes the same lock.
MIGRATIONS_LOCK = 7_140_501
LOCK_POLL_SECONDS = 0.5
LOCK_LOG_SECONDS = 5
LOCK_TIMEOUT_SECONDS = 600
POOLER_CHECK_SECONDS = 5
DIRECT_ONLY = (
    "migrations must connect to PostgreSQL directly or through a session-mode "
    "pooler; set MIGRATIONS_DATABASE_URL"
)
# A session setting that marks the server session this run started on.
MARK = text("SELECT current_setting('migrations.session', true)")
SET_MARK = text("SELECT set_config('migrations.session', :mark, false)")
TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
UNLOCK = text("SELECT pg_advisory_unlock(:key)")
BACKEND = text("SELECT pg_backend_pid()")
# The function behind pg_stat_activity, which some hardened servers revoke from PUBLIC.
STATE = text(
    "SELECT state FROM pg_stat_get_activity(:pid) WHERE pid <> pg_backend_pid()"
)
# Only these say another client is using the session; "idle" is the waiting run, and
# "disabled" (track_activities off), NULL or no row say nothing either way.
BUSY = {
    "active",
    "idle in transaction",
    "idle in transaction (aborted)",
    "fastpath function call",
}
# A single-key advisory lock shows its key in objid, with objsubid 1.
HOLDERS = text(
    "SELECT a.pid, a.application_name, a.state FROM pg_locks AS l"
    " JOIN pg_stat_activity AS a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key"
    " AND l.objsubid = 1 AND l.database ="
    " (SELECT oid FROM pg_database WHERE datname = current_database())"
)

log = logging.getLogger(__name__)


class MigrationLockError(RuntimeError):
    """The migrations lock cannot be relied on, or was not free in time."""


def alembic_config() -> Config:
    """What `alembic` reads from pyproject.toml, without needing that file."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    return config


async def check_session(connection: AsyncConnection, mark: str | None) -> None:
    """A session lock needs one server session for the whole run. A transaction
    pooler (PgBouncer's pool_mode=transaction) moves a client between server
    connections, and hands them to other clients, between transactions."""
    if (await connection.scalar(MARK) or None) != mark:
        raise MigrationLockError(
            f"the server session changed between transactions: {DIRECT_ONLY}"
        )


async def mark_session(engine: AsyncEngine, connection: AsyncConnection) -> str:
    mark = uuid.uuid4().hex
    await check_session(connection, None)  # a new session carries no mark
    await connection.execute(SET_MARK, {"mark": mark})
    pid = await connection.scalar(BACKEND)
    await connection.commit()
    # Through a transaction pooler, a second client gets the server connection
    # this one just released, mark and all, unless a third client holds it right
    # then: that shows as a busy state on a session this run is not using. A
    # session pooler with no server free keeps the second client waiting: then it
    # is not a transaction pooler. It connects outside the engine's pool, which
    # may have no room left (with the engine's URL, not its connect_args).
    probe = create_async_engine(engine.url, poolclass=NullPool)
    try:
        async with asyncio.timeout(POOLER_CHECK_SECONDS), probe.connect() as other:
            await check_session(other, None)
            if await other.scalar(STATE, {"pid": pid}) in BUSY:
                raise MigrationLockError(
                    f"the server session changed between transactions: {DIRECT_ONLY}"
                )
    except TimeoutError:
        pass
    finally:
        await probe.dispose()
    await check_session(connection, mark)
    await connection.commit()
    return mark


async def lock_holders(connection: AsyncConnection) -> str:
    rows = (await connection.execute(HOLDERS, {"key": MIGRATIONS_LOCK})).all()
    await connection.commit()
    holders = ", ".join(
        f"pid {pid} (application_name {name!r}, state {state!r})"
        for pid, name, state in rows
    )
    return holders or "a session that has just released it"


async def take_lock(
    connection: AsyncConnection, mark: str, give_up_after: float
) -> None:
    """Workers starting at once take turns: one migrates, the others wait, then find
    nothing to do. A session lock, unlike pg_advisory_xact_lock, outlives the commits
    of autocommit_block() and of each migration."""
    loop = asyncio.get_running_loop()
    started, logged = loop.time(), -float(LOCK_LOG_SECONDS)
    while True:
        locked = await connection.scalar(TRY_LOCK, {"key": MIGRATIONS_LOCK})
        try:
            await check_session(connection, mark)
        except MigrationLockError:
            if locked:  # same transaction, so the same server session
                await connection.execute(UNLOCK, {"key": MIGRATIONS_LOCK})
            await connection.commit()
            raise
        # Wait outside any transaction: a session blocked in pg_advisory_lock() holds
        # a snapshot, which CREATE INDEX CONCURRENTLY waits for while the waiter
        # waits for it ("deadlock detected").
        await connection.commit()
        if locked:
            return
        waited = loop.time() - started
        if waited >= give_up_after:
            raise MigrationLockError(
                f"gave up after {waited:.0f} s waiting for the migrations lock, held "
                f"by {await lock_holders(connection)}; an idle holder may be a "
                f"pooler's server connection: {DIRECT_ONLY}"
            )
        if waited - logged >= LOCK_LOG_SECONDS:
            logged = waited
            holders = await lock_holders(connection)
            log.info("waiting for the migrations lock, held by %s", holders)
        await asyncio.sleep(LOCK_POLL_SECONDS)


async def release_lock(connection: AsyncConnection, mark: str) -> None:
    released = await connection.scalar(UNLOCK, {"key": MIGRATIONS_LOCK})
    await check_session(connection, mark)
    await connection.commit()
    if not released:
        raise MigrationLockError(
            f"this session did not hold the migrations lock: {DIRECT_ONLY}"
        )


@asynccontextmanager
async def migration_connection(
    engine: AsyncEngine, lock_timeout: float = LOCK_TIMEOUT_SECONDS
) -> AsyncIterator[AsyncConnection]:
    """A connection for one migration run, outside any transaction: env.py's
    context.begin_transaction() owns the transactions, so autocommit_block() works."""
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table by dropping it; with foreign keys on, ON
            # DELETE CASCADE would empty every table that references it.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
            try:
                yield connection
            finally:
                await connection.rollback()  # a failed migration leaves its transaction
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()
            return
        try:
            mark = await mark_session(engine, connection)
            await take_lock(connection, mark, lock_timeout)
            try:
                yield connection
            finally:
                await connection.rollback()  # a failed migration leaves its transaction
                await release_lock(connection, mark)
        finally:
            # Whatever happened, the pool gets no server session with a mark (or a
            # lock) on it: the next run on this engine starts on a new one.
            await connection.invalidate()


async def run_alembic(
    engine: AsyncEngine,
    alembic_command: Callable[..., object],
    *args: str,
    config: Config | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> None:
    """`await run_alembic(engine, command.upgrade, "head")`, inside a running loop."""
    config = config or alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection  # env.py: no asyncio.run()
        alembic_command(config, *args)

    async with migration_connection(engine, lock_timeout) as connection:
        await connection.run_sync(run)


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await run_alembic(engine, command.upgrade, "head")


# --8<-- [end:run_alembic]
