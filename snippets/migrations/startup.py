"""Running Alembic from code that already runs an event loop: a FastAPI lifespan, a test
fixture, a deploy script."""

# --8<-- [start:run_alembic]
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Any fixed number: every process that migrates this database takes the same lock.
MIGRATIONS_LOCK = 7_140_501
LOCK_POLL_SECONDS = 0.5


def alembic_config() -> Config:
    """What `alembic` reads from pyproject.toml, without needing that file."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    return config


@asynccontextmanager
async def migration_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for one migration run, outside any transaction: env.py's
    context.begin_transaction() owns the transactions, so autocommit_block() works."""
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it; with foreign keys on, ON
            # DELETE CASCADE would empty every table that references it.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            # Workers starting at once take turns: one migrates, the others then find
            # nothing to do. A session lock, unlike pg_advisory_xact_lock, outlives the
            # commits of autocommit_block() and of each migration.
            try_lock = text("SELECT pg_try_advisory_lock(:key)")
            while not await connection.scalar(try_lock, {"key": MIGRATIONS_LOCK}):
                # Wait outside any transaction: a session blocked in pg_advisory_lock()
                # holds a snapshot, which CREATE INDEX CONCURRENTLY waits for while the
                # waiter waits for it ("deadlock detected").
                await connection.commit()
                await asyncio.sleep(LOCK_POLL_SECONDS)
        await connection.commit()
        try:
            yield connection
        finally:
            await connection.rollback()  # a failed migration leaves its transaction
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            else:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATIONS_LOCK}
                )
            await connection.commit()


async def run_alembic(
    engine: AsyncEngine,
    alembic_command: Callable[..., object],
    *args: str,
    config: Config | None = None,
) -> None:
    """`await run_alembic(engine, command.upgrade, "head")`, inside a running loop."""
    config = config or alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection  # env.py: no asyncio.run()
        alembic_command(config, *args)

    async with migration_connection(engine) as connection:
        await connection.run_sync(run)


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await run_alembic(engine, command.upgrade, "head")


# --8<-- [end:run_alembic]
