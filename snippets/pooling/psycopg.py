"""psycopg 3 behind PgBouncer in transaction mode (SQLAlchemy's maintainers' choice)."""

# --8<-- [start:psycopg]
from __future__ import annotations

from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_psycopg_engine(url: URL) -> AsyncEngine:
    # pip install "psycopg[binary]"; the URL says postgresql+psycopg://
    # With libpq 17+, psycopg prepares at the protocol level, which PgBouncer 1.21+
    # tracks across server connections: the defaults work.
    return create_async_engine(url.set(drivername="postgresql+psycopg"))


def create_psycopg_pgbouncer_engine(url: URL) -> AsyncEngine:
    # PgBouncer without prepared-statement tracking: psycopg prepares a statement
    # after its fifth run (prepare_threshold=5); None never prepares, so nothing
    # depends on one server.
    return create_async_engine(
        url.set(drivername="postgresql+psycopg"),
        connect_args={"prepare_threshold": None},
    )


# --8<-- [end:psycopg]
