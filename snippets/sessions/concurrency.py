"""Many queries at once: each in a session of its own, no more than the pool holds."""

# --8<-- [start:server_sessions]
import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

OTHER_SESSIONS = text(
    "SELECT state, count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    # Not the server's own workers (autovacuum, parallel query), also listed here.
    " AND backend_type = 'client backend'"
    " GROUP BY state ORDER BY state"
)


async def server_sessions(engine: AsyncEngine) -> dict[str, int]:
    """What PostgreSQL sees: the other connections to this database, by state."""
    async with engine.connect() as connection:
        rows = await connection.execute(OTHER_SESSIONS)
        return dict(rows.all())


# --8<-- [end:server_sessions]


# --8<-- [start:bounded]
T = TypeVar("T")


async def gather_bounded(
    limit: int, calls: Iterable[Callable[[], Awaitable[T]]]
) -> list[T]:
    """Await every call, at most `limit` at a time, and return their results in order.

    Each call opens its own session; the semaphore is taken before it does, so no more
    than `limit` connections are checked out at once. The first failure cancels the
    calls still running (a TaskGroup) and is raised in an ExceptionGroup.
    """
    semaphore = asyncio.Semaphore(limit)

    async def run(call: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await call()

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(run(call)) for call in calls]
    return [task.result() for task in tasks]


# --8<-- [end:bounded]
