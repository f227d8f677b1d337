"""How many connections a deployment may open, against what the server allows."""

from __future__ import annotations


# --8<-- [start:sizing]
def peak_connections(processes: int, pool_size: int, max_overflow: int) -> int:
    """Each process has its own pool, and each pool may open this many at once."""
    return processes * (pool_size + max_overflow)


def fits(
    processes: int,
    pool_size: int,
    max_overflow: int,
    max_connections: int,
    reserved: int,
    others: int = 0,
) -> bool:
    """Whether the deployment's peak fits in the connections left for applications.

    reserved: superuser_reserved_connections + reserved_connections on the server.
    others: connections used by everything else (migrations, cron jobs, a console).
    """
    available = max_connections - reserved - others
    return peak_connections(processes, pool_size, max_overflow) <= available


def connections_in_use(requests_per_second: float, hold_seconds: float) -> float:
    """Little's law: on average, arrival rate x the time each request holds a
    connection (from its first statement until its session closes)."""
    return requests_per_second * hold_seconds


# --8<-- [end:sizing]
