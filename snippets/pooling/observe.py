"""What the pool is doing: its status line, and counters fed by pool events."""

# --8<-- [start:observe]
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool


def count_pool_events(engine: AsyncEngine) -> Counter[str]:
    """Counts of new connections, checkouts and checkins, kept up to date by events."""
    counts: Counter[str] = Counter()
    pool = engine.sync_engine.pool

    def on(name: str) -> None:
        def count(*_: Any) -> None:
            counts[name] += 1

        event.listen(pool, name, count)

    for name in ("connect", "checkout", "checkin"):
        on(name)
    return counts


def pool_numbers(engine: AsyncEngine) -> dict[str, int]:
    """The numbers behind pool.status(), for a log line or a metrics endpoint."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # NullPool and StaticPool keep no such numbers
        return {}
    return {
        "size": pool.size(),
        "checked_out": pool.checkedout(),
        "idle": pool.checkedin(),
        "overflow": pool.overflow(),
    }


# --8<-- [end:observe]
