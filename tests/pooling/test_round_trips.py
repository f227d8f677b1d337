"""docs/pooling/faults.md#idle-connections-dropped: what pre-ping costs, counted on the wire."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.pages import shown_output
from tests.pooling.roundtrips import Counter, counting_proxy

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


async def per_checkout(engine: AsyncEngine, counter: Counter, read: bool) -> int:
    """Round trips of one checkout of a pooled connection (optionally one SELECT 1)."""
    async with engine.connect() as conn:  # opens the connection: not counted
        await conn.execute(text("SELECT 1"))
    counter.round_trips = 0
    async with engine.connect() as conn:
        if read:
            await conn.execute(text("SELECT 1"))
    return counter.round_trips


async def test_pre_ping_round_trips_are_what_the_page_shows(database_url: str) -> None:
    async with counting_proxy(make_url(database_url)) as (url, counter):
        lines = []
        for label, options in [
            ("no pre-ping", {}),
            ("pool_pre_ping=True", {"pool_pre_ping": True}),
        ]:
            engine = create_async_engine(url, **options)
            checkout = await per_checkout(engine, counter, read=False)
            read = await per_checkout(engine, counter, read=True)
            await engine.dispose()
            lines.append(
                f"{label:<20} checkout: {checkout}, checkout + SELECT 1: {read}"
            )
    assert "\n".join(lines) == shown_output("pooling/faults.md", "pre-ping-round-trips")
