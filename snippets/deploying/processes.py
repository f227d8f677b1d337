"""How many connections a deployment opens, against what the server allows."""

from __future__ import annotations

# --8<-- [start:budget]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from snippets.pooling.sizing import peak_connections


async def connections_for_apps(conn: AsyncConnection) -> int:
    """Connections roles without SUPERUSER may open on this server, all together."""
    rows = await conn.execute(
        text(
            # reserved_connections: PostgreSQL 16+, for pg_use_reserved_connections.
            "SELECT name, setting::int FROM pg_settings WHERE name IN "
            "('max_connections', 'superuser_reserved_connections',"
            " 'reserved_connections')"
        )
    )
    settings: dict[str, int] = {row.name: row.setting for row in rows}
    return (
        settings["max_connections"]
        - settings["superuser_reserved_connections"]
        - settings.get("reserved_connections", 0)
    )


def deployment_peak(
    instances: int,
    workers: int,
    pool_size: int = 5,
    max_overflow: int = 10,
    surge: int = 0,
    others: int = 1,
    per_process: int = 0,
) -> int:
    """The most connections a deployment opens at once.

    workers: processes per instance (uvicorn --workers); each has its own pool.
    surge: instances a rolling deploy starts before it stops old ones.
    others: connections outside the app's processes: a migration, a cron job, a console.
    per_process: what each process holds besides its pool on this server: a second
        engine's pool_size + max_overflow, a LISTEN connection.
    """
    _has_a_limit(pool_size, max_overflow)
    processes = (instances + surge) * workers
    pools = peak_connections(processes, pool_size, max_overflow)
    return pools + processes * per_process + others


def most_workers(
    available: int,
    instances: int,
    pool_size: int = 5,
    max_overflow: int = 10,
    surge: int = 0,
    others: int = 1,
    per_process: int = 0,
) -> int:
    """The largest --workers that keeps the deployment's peak within `available`."""
    # What one more worker on every instance adds to the peak.
    per_worker = deployment_peak(
        instances, 1, pool_size, max_overflow, surge, others=0, per_process=per_process
    )
    return max(0, (available - others) // per_worker)


def _has_a_limit(pool_size: int, max_overflow: int) -> None:
    # SQLAlchemy reads pool_size=0 and max_overflow=-1 as "no limit": no peak to count.
    if pool_size < 1 or max_overflow < 0:
        raise ValueError("pool_size=0 or max_overflow=-1 means no limit: set both")


# --8<-- [end:budget]
