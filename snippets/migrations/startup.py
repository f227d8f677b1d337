"""Running Alembic from code that already runs an event loop: a FastAPI lifespan, a test
fixture, a deploy script."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

# Any fixed number: every process that migrates this database takes the same lock.
MIGRATIONS_LOCK = 7_140_501


def alembic_config() -> Config:
    """What `alembic` reads from pyproject.toml, without needing that file."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    return config


# --8<-- [start:run_alembic]
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

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it; with foreign keys on, ON
            # DELETE CASCADE would empty every table that references it. SQLite only
            # accepts this pragma outside a transaction.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                if not sqlite:
                    # Several workers starting at once: one migrates, the others wait,
                    # then find nothing left to do. The lock ends with the transaction.
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": MIGRATIONS_LOCK},
                    )
                await connection.run_sync(run)
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await run_alembic(engine, command.upgrade, "head")


# --8<-- [end:run_alembic]
