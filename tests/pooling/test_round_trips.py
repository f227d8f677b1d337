"""docs/pooling/faults.md#idle-connections-dropped: what pre-ping costs, counted on the wire."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.pages import page, shown_output
from tests.pooling.roundtrips import Counter, counting_proxy

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


async def checkouts(engine: AsyncEngine, counter: Counter) -> tuple[int, int, int]:
    """Round trips of checkouts of one pooled connection: its first reuse, a later one,
    and a later one that runs SELECT 1. Opening the connection is not counted."""
    async with engine.connect() as conn:  # opens the connection: no ping
        await conn.execute(text("SELECT 1"))
    counts = []
    for read in (False, False, True):
        counter.round_trips = 0
        async with engine.connect() as conn:
            if read:
                await conn.execute(text("SELECT 1"))
        counts.append(counter.round_trips)
    first, later, with_read = counts
    return first, later, with_read


async def test_pre_ping_round_trips_are_what_the_page_shows(database_url: str) -> None:
    async with counting_proxy(make_url(database_url)) as (url, counter):
        lines = []
        for label, options in [
            ("no pre-ping", {}),
            ("pool_pre_ping=True", {"pool_pre_ping": True}),
        ]:
            engine = create_async_engine(url, **options)
            first, later, read = await checkouts(engine, counter)
            await engine.dispose()
            pings = (first, later)
            lines.append(
                f"{label:<20} first reuse: {first}, later reuse: {later},"
                f" later reuse + SELECT 1: {read}"
            )
    assert "\n".join(lines) == shown_output("pooling/faults.md", "pre-ping-round-trips")
    # The prose names the counts of the last line (pool_pre_ping=True) in words.
    words = {3: "three", 4: "four"}
    first, later = (words[n] for n in pings)
    faults = " ".join(page("pooling/faults.md").split())
    assert f"the ping is {later} round trips, not one" in faults
    assert f"The first ping on a connection takes {first}," in faults
    knobs = " ".join(page("pooling/index.md").split())
    assert f"{later} round trips, {first} for a connection's first ping" in knobs
