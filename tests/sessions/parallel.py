"""A query that a parallel worker runs: a server process that pg_stat_activity lists under
the database, `active`, but that is no client's connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
SETTINGS = (
    "SET parallel_setup_cost = 0",
    # The leader waits for its worker instead of running the query itself while a
    # loaded machine is still starting the worker.
    "SET parallel_leader_participation = off",
)
WORKERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_type = 'parallel worker'"
)


async def while_a_worker_runs(
    engine: AsyncEngine, measure: Callable[[], Awaitable[T]]
) -> T:
    """`measure()`, called while a parallel worker of one of `engine`'s connections runs
    a 1 s query; fails if no worker shows up in three tries. Uses two of the pool's
    connections."""
    async with engine.connect() as parallel, engine.connect() as watch:
        # A parallel worker runs the query; PostgreSQL 16 renamed the setting (15 is a
        # version-matrix cell).
        version = int(await parallel.scalar(text("SHOW server_version_num")) or 0)
        forced = "debug_parallel_query" if version >= 160000 else "force_parallel_mode"
        await parallel.execute(text(f"SET {forced} = on"))
        for setting in SETTINGS:
            await parallel.execute(text(setting))
        # A loaded machine may start the worker after the query ended, or not at all
        # (its slots taken): then the query runs in the leader, and the next try may work.
        for _ in range(3):
            query = asyncio.create_task(parallel.execute(text("SELECT pg_sleep(1)")))
            try:
                while not query.done():  # until the worker shows up
                    if await watch.scalar(WORKERS):
                        return await measure()
                    # pg_stat_activity is read once per transaction: a new one, a new read.
                    await watch.rollback()
                    await asyncio.sleep(0.01)
            finally:
                await query  # the connection is busy until then
    raise AssertionError("no parallel worker showed up in three 1 s queries")
