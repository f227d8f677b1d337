"""Alembic's environment: migrations run on an async engine, through run_sync."""

# --8<-- [start:run_migrations]
from __future__ import annotations

import asyncio
import logging
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import _repr_type
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from snippets.migrations.startup import migration_connection
from snippets.models import Base
from snippets.settings import Settings

config = context.config


def render_item(
    kind: str, obj: object, autogen_context: AutogenContext
) -> str | Literal[False]:
    # A migration is frozen once written, but the models change: render the type
    # the database sees (AwareDateTime -> sa.DateTime(timezone=True)), not the app's.
    # Alembic's own renderer writes dialect types (postgresql.JSONB) and inner types
    # (sa.ARRAY(sa.String(length=20))) with their prefixes, and adds their imports.
    if kind == "type" and isinstance(obj, TypeDecorator):
        return _repr_type(obj.impl_instance, autogen_context)
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        # The models' MetaData carries the naming convention, so autogenerate names
        # every constraint and index the same way each time.
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead, and
        # the same migration runs unchanged on PostgreSQL.
        render_as_batch=True,
        render_item=render_item,
        # Off by default in Alembic: without it, `alembic check` misses a changed
        # server_default.
        compare_server_default=True,
        # A migration with an autocommit_block() commits what came before it; with a
        # transaction per migration, alembic_version moves with each commit.
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    settings = Settings()
    # NullPool: a migration run is one connection, closed when it is done.
    engine = create_async_engine(settings.migrations_url, poolclass=NullPool)
    # As in run_alembic: outside a transaction, the migrations lock held throughout.
    async with migration_connection(engine) as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


# --8<-- [end:run_migrations]


# --8<-- [start:entry]
def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: write the SQL for review instead of running it."""
    context.configure(
        url=Settings().migrations_url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    # The command line. Alembic logs each migration it runs but prints nothing unless
    # logging is set up: alembic.ini's [loggers] would, pyproject.toml has no such part.
    logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
    logging.getLogger("alembic").setLevel(logging.INFO)
    # Who holds the migrations lock, while this run waits for it.
    logging.getLogger(migration_connection.__module__).setLevel(logging.INFO)
if context.is_offline_mode():
    run_migrations_offline()
elif connection is not None:
    # Code that already has a connection inside a running event loop (the app's
    # lifespan, a test fixture) passes it in: asyncio.run() cannot start a second loop.
    run_migrations(connection)
else:  # the alembic command line
    asyncio.run(run_async_migrations())
# --8<-- [end:entry]
