"""An engine for PostgreSQL behind PgBouncer in transaction mode."""

# --8<-- [start:pgbouncer_engine]
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.settings import Settings


def create_pgbouncer_engine(settings: Settings) -> AsyncEngine:
    """Transaction pooling hands each transaction any server connection, so nothing may
    rely on state left on one: no prepared statement is cached or reused by name."""
    return create_async_engine(
        settings.database_url,
        echo=settings.db_echo,
        # PgBouncer is the pool; a second pool in the app would only hold its slots.
        poolclass=NullPool,
        connect_args={
            # asyncpg's own cache, and SQLAlchemy's cache in the asyncpg dialect.
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            # Unique names: the next transaction's server may hold one of the same name.
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        },
    )


# --8<-- [end:pgbouncer_engine]
