"""Round trips, counted (not timed) through tests/performance/bench/proxy.py: the proxy
counts what it should, the published counts are what the code sends today, and the delay
it adds is at least what the latency runs say."""

from __future__ import annotations

import json
import time

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.performance.bulk import asyncpg_copy
from tests import postgres
from tests.docs_examples import ROOT
from tests.performance.bench.harness import path_round_trips, rows_for
from tests.performance.bench.http import count_round_trips
from tests.performance.bench.proxy import Proxy
from tests.performance.bench.variants import VARIANTS

CONNECTS_PER_REQUEST = {"NullPool", "engine per request"}
RESULTS = json.loads((ROOT / "docs" / "performance" / "results.json").read_text())
pytestmark = pytest.mark.parametrize("backend", ["postgres"])


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def published(group: str) -> dict[str, float]:
    return {c["name"]: c["round_trips"] for c in RESULTS["groups"][group]["cases"]}


async def test_the_proxy_counts_each_answered_message_once(database_url: str) -> None:
    with Proxy(database_url) as proxy:
        conn = await asyncpg.connect(dsn(proxy.url.render_as_string(False)))
        try:
            await conn.fetchval("SELECT 1")  # prepares the statement: two round trips
            before = proxy.round_trips
            for _ in range(5):
                assert await conn.fetchval("SELECT 1") == 1
            assert proxy.round_trips - before == 5
            # Several statements sent together, answered together: one round trip.
            before = proxy.round_trips
            await conn.execute("SELECT 1; SELECT 2; SELECT 3")
            assert proxy.round_trips - before == 1
        finally:
            await conn.close()


async def test_asyncpg_pool_resets_a_connection_when_it_is_released(
    database_url: str,
) -> None:
    """asyncpg's pool is two round trips per read: release runs a reset query."""
    with Proxy(database_url) as proxy:
        url = dsn(proxy.url.render_as_string(False))
        async with asyncpg.create_pool(url, min_size=1, max_size=1) as pool:
            async with pool.acquire():
                pass
            before = proxy.round_trips
            async with pool.acquire():
                pass  # no query at all
            assert proxy.round_trips - before == 1


async def test_the_delay_is_added_to_every_round_trip(database_url: str) -> None:
    with Proxy(database_url, delay=0.01) as proxy:
        conn = await asyncpg.connect(dsn(proxy.url.render_as_string(False)))
        try:
            await conn.fetchval("SELECT 1")
            started = time.perf_counter()
            for _ in range(10):
                await conn.fetchval("SELECT 1")
            assert time.perf_counter() - started >= 10 * 0.01
        finally:
            await conn.close()


async def test_the_published_round_trips_of_one_read_are_counted_again(
    engine: AsyncEngine, database_url: str
) -> None:
    await asyncpg_copy(engine, rows_for(30))
    counted = await path_round_trips(database_url, reads=20)
    assert counted == published("path") == published("path_latency")


@pytest.mark.parametrize("variant", VARIANTS)
async def test_the_published_round_trips_of_each_http_variant_are_counted_again(
    variant: str, engine: AsyncEngine, database_url: str
) -> None:
    if variant in CONNECTS_PER_REQUEST and not postgres.is_embedded():
        pytest.skip(
            "a connection's startup round trips depend on the server's authentication"
            " and TLS; the published counts are the embedded server's (trust, no TLS)"
        )
    await asyncpg_copy(engine, rows_for(30))
    await engine.dispose()  # its connections are not the app's
    assert (
        await count_round_trips(variant, database_url, 10) == published("http")[variant]
    )
    if variant in published("http_latency"):
        assert published("http_latency")[variant] == published("http")[variant]
