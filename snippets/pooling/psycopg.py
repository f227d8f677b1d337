"""The alternative SQLAlchemy's maintainers recommend behind PgBouncer: psycopg 3 with
prepared statements off."""

from __future__ import annotations

from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


# --8<-- [start:psycopg]
def create_psycopg_pgbouncer_engine(url: URL) -> AsyncEngine:
    # pip install "psycopg[binary]"; the URL says postgresql+psycopg://
    return create_async_engine(
        url.set(drivername="postgresql+psycopg"),
        poolclass=NullPool,
        # psycopg prepares a statement after its fifth run (prepare_threshold=5);
        # None never prepares, so no statement depends on one server connection.
        connect_args={"prepare_threshold": None},
    )


# --8<-- [end:psycopg]
