"""docs/sessions/concurrency.md: gather_bounded and server_sessions, and the fan-out on a real
PostgreSQL pool of three connections."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from functools import partial

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SAWarning
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_scoped_session

from snippets.database import close_db, create_engine, create_session_factory
from snippets.pooling.observe import count_pool_events, pool_numbers
from snippets.sessions.concurrency import gather_bounded, server_sessions
from snippets.settings import Settings
from tests.sessions.parallel import while_a_worker_runs


async def test_gather_bounded_runs_at_most_limit_calls_at_once_and_keeps_order() -> (
    None
):
    running, peak = 0, 0

    def call(number: int, delay: float) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(delay)
            running -= 1
            return number

        return run

    # Later calls finish first; the results still come back in the order of the calls.
    results = await gather_bounded(3, [call(n, 0.02 * (10 - n)) for n in range(10)])
    assert results == list(range(10))
    assert peak == 3


async def test_gather_bounded_cancels_the_rest_when_one_call_fails() -> None:
    started: list[int] = []
    finished: list[int] = []

    async def slow(number: int) -> int:
        started.append(number)
        await asyncio.sleep(0.5)
        finished.append(number)
        return number

    async def fails() -> int:
        await asyncio.sleep(0.01)
        raise ValueError("bad input")

    calls: list[Callable[[], Awaitable[int]]] = [
        fails,
        *(partial(slow, number) for number in range(6)),
    ]
    with pytest.raises(ExceptionGroup) as caught:
        await gather_bounded(2, calls)
    assert [type(exc) for exc in caught.value.exceptions] == [ValueError]
    # None ran to its end, and those still waiting for the semaphore never started.
    assert finished == []
    assert len(started) <= 2


def pool_of_three(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        db_pool_size=2,
        db_max_overflow=1,
        db_pool_timeout=0.1,
    )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_ten_queries_through_a_pool_of_three_need_the_semaphore(
    database_url: str,
) -> None:
    settings = pool_of_three(database_url)
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    peak = 0

    async def query() -> int:
        nonlocal peak
        async with sessions() as session:
            await session.execute(text("SELECT pg_sleep(0.15)"))
            peak = max(peak, pool_numbers(engine)["checked_out"])
            return 1

    async def unbounded() -> None:
        async with asyncio.TaskGroup() as group:
            for _ in range(10):
                group.create_task(query())

    try:
        with pytest.raises(ExceptionGroup) as caught:  # the pool times out
            await unbounded()
        assert {type(exc) for exc in caught.value.exceptions} == {PoolTimeout}
        peak = 0
        limit = settings.db_pool_size + settings.db_max_overflow
        assert await gather_bounded(limit, [query] * 10) == [1] * 10
        assert peak == 3
        assert pool_numbers(engine)["checked_out"] == 0
    finally:
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_server_sessions_counts_the_other_connections_by_state(
    database_url: str,
) -> None:
    engine = create_engine(pool_of_three(database_url))
    try:
        assert await server_sessions(engine) == {}
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))  # begins a transaction, left open
            assert await server_sessions(engine) == {"idle in transaction": 1}
        assert await server_sessions(engine) == {"idle": 1}  # back in the pool
    finally:
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_task_group_closes_the_connections_of_the_queries_it_cancels(
    database_url: str,
) -> None:
    engine = create_engine(Settings(database_url=database_url))
    sessions = create_session_factory(engine)
    events = count_pool_events(engine)
    pids: list[int] = []
    connected = asyncio.Barrier(3)  # both queries have their connection

    async def slow() -> None:
        async with sessions() as session:
            pids.append(await session.scalar(text("SELECT pg_backend_pid()")))
            await connected.wait()
            await session.execute(text("SELECT pg_sleep(5)"))

    async def fails() -> None:
        await connected.wait()
        await asyncio.sleep(0.1)
        raise ValueError("bad input")

    async def group() -> None:
        async with asyncio.TaskGroup() as tasks:
            for call in (slow, slow, fails):
                tasks.create_task(call())

    try:
        started = time.monotonic()
        with pytest.raises(ExceptionGroup):
            await group()
        assert time.monotonic() - started < 2  # not the 5 s of the statements
        assert pool_numbers(engine)["checked_out"] == 0
        async with engine.connect() as check:
            alive = await check.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            )
        assert alive == 0  # neither running nor idle: closed
        assert events["connect"] == 3  # the check needed a new connection
    finally:
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_scoped_session_per_finished_task_uses_up_the_pool(
    database_url: str,
) -> None:
    engine = create_engine(pool_of_three(database_url))
    scoped = async_scoped_session(
        create_session_factory(engine), scopefunc=asyncio.current_task
    )

    async def select_one() -> None:
        await scoped.execute(text("SELECT 1"))

    try:
        for _ in range(3):
            await asyncio.create_task(select_one())
        assert len(scoped.registry.registry) == 3
        with pytest.raises(PoolTimeout):
            await asyncio.create_task(select_one())
    finally:
        for session in scoped.registry.registry.values():
            await session.close()
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_server_sessions_leaves_out_the_servers_own_workers(
    database_url: str,
) -> None:
    """Autovacuum and parallel query workers also sit in pg_stat_activity under this
    database, `active`; counting them made the page's outputs flaky."""
    engine = create_engine(pool_of_three(database_url))
    try:
        seen = await while_a_worker_runs(engine, lambda: server_sessions(engine))
        # The query's connection and the watching one, not the query's worker.
        assert seen == {"active": 1, "idle in transaction": 1}
    finally:
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_shared_sessions_leftover_connection_ends_only_with_the_collector(
    database_url: str,
) -> None:
    """The page: after the IllegalStateChangeError nothing closes the session; its
    connection stays checked out until the garbage collector terminates it."""
    engine = create_engine(pool_of_three(database_url))
    sessions = create_session_factory(engine)

    async def handler() -> str:  # a request that shares one session between tasks
        query = text("SELECT pg_sleep(0.1)")
        try:
            async with sessions() as shared:
                await asyncio.gather(*(shared.execute(query) for _ in range(3)))
        except Exception as exc:
            return type(exc).__name__
        return "no error"

    try:
        assert await handler() == "IllegalStateChangeError"
        await asyncio.wait(asyncio.all_tasks() - {asyncio.current_task()}, timeout=2)
        assert pool_numbers(engine)["checked_out"] == 1
        assert await server_sessions(engine) == {"idle in transaction": 1}
        with pytest.warns(SAWarning, match="garbage collector is trying to clean up"):
            gc.collect()
        await asyncio.sleep(0.2)  # the connection is terminated on the loop
        assert pool_numbers(engine)["checked_out"] == 0
        assert "idle in transaction" not in await server_sessions(engine)
    finally:
        await close_db(engine)
