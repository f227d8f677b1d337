"""An engine for PostgreSQL behind a PgBouncer that tracks no prepared statements
(1.18; before 1.24 unless max_prepared_statements is set) in transaction mode."""

# --8<-- [start:pgbouncer_engine]
from typing import Any
from uuid import uuid4

from sqlalchemy import event
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.settings import Settings

AUTOCOMMIT_REFUSED = (
    "AUTOCOMMIT is refused behind PgBouncer without prepared-statement tracking: "
    "outside a transaction, asyncpg's prepare and execute may reach different "
    "server connections (prepared statement does not exist)"
)


def create_pgbouncer_engine(settings: Settings) -> AsyncEngine:
    """Only for PgBouncer without prepared-statement tracking (before 1.24, unless
    max_prepared_statements is set): each transaction may get another server
    connection, so no prepared statement may be cached or reused by name."""
    engine = create_async_engine(
        settings.database_url,
        echo=settings.db_echo,
        # The app's pool stays: between transactions, a pooled connection holds no
        # server connection in transaction mode, and it saves a login per request.
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,  # the dialect's ping runs inside BEGIN ... ROLLBACK
        connect_args={
            # asyncpg's own cache, and SQLAlchemy's cache in the asyncpg dialect.
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            # Unique names: the next transaction's server may hold one of the same name.
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        },
    )
    # On the engine (and so on every session bound to it) and on one connection.
    for name in ("set_engine_execution_options", "set_connection_execution_options"):
        event.listen(engine.sync_engine, name, _refuse_autocommit)
    return engine


def _refuse_autocommit(_engine_or_connection: object, options: dict[str, Any]) -> None:
    # Fails every time, where AUTOCOMMIT would fail only when the server changes.
    # Spelled as SQLAlchemy normalizes it: "autocommit" is AUTOCOMMIT too.
    level = str(options.get("isolation_level", "")).replace("_", " ").upper()
    if level == "AUTOCOMMIT":
        raise ArgumentError(AUTOCOMMIT_REFUSED)


# --8<-- [end:pgbouncer_engine]
