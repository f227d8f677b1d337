"""Giving up on a slow query: which way of giving up leaves the server clean.

Run `python -m snippets.mistakes.cancellation` with DATABASE_URL naming a PostgreSQL
database.
"""

from __future__ import annotations

# --8<-- [start:anyio_timeout]
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, QueuePool

from snippets.settings import Settings

Sessions = async_sessionmaker[AsyncSession]
SLOW = text("SELECT pg_sleep(10)")
GIVE_UP_AFTER = 0.25  # seconds


async def report_anyio(sessions: Sessions, seconds: float = GIVE_UP_AFTER) -> None:
    with anyio.move_on_after(seconds):  # cancels every await inside, cleanup too
        async with sessions() as session:
            await session.execute(SLOW)


# --8<-- [end:anyio_timeout]


# --8<-- [start:asyncio_timeout]
async def report_asyncio(sessions: Sessions, seconds: float = GIVE_UP_AFTER) -> None:
    try:
        async with asyncio.timeout(seconds):  # cancels once; cleanup can run
            async with sessions() as session:
                await session.execute(SLOW)
    except TimeoutError:
        pass


# --8<-- [end:asyncio_timeout]


# --8<-- [start:command_timeout]
# With connect_args={"command_timeout": 0.25}, asyncpg asks the server to cancel the
# statement, then raises TimeoutError.
async def report_with_command_timeout(sessions: Sessions) -> None:
    try:
        async with sessions() as session:
            await session.execute(SLOW)
    except TimeoutError:
        pass


# --8<-- [end:command_timeout]


# --8<-- [start:count_sessions]
async def sessions_left(
    name: str, give_up: Callable[[Sessions], Awaitable[None]], **connect_args: Any
) -> str:
    url = Settings().database_url
    # Unique per run: sessions left by an earlier run may still be running.
    name = f"{name}-{uuid4().hex[:8]}"
    tagged = {"server_settings": {"application_name": name}, **connect_args}
    engine = create_async_engine(url, connect_args=tagged)
    for _ in range(10):
        await give_up(async_sessionmaker(engine))
    assert isinstance(engine.pool, QueuePool)  # create_async_engine's default pool
    checked_out = engine.pool.checkedout()
    probe = create_async_engine(url, poolclass=NullPool)
    async with probe.connect() as conn:
        left_open = await conn.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
            {"n": name},
        )
    await probe.dispose()
    await engine.dispose()
    return f"{checked_out} checked out, {left_open} left open on the server"


async def main() -> None:
    print("anyio.move_on_after:", await sessions_left("anyio", report_anyio))
    print("asyncio.timeout:    ", await sessions_left("asyncio", report_asyncio))
    print(
        "command_timeout:    ",
        await sessions_left(
            "command", report_with_command_timeout, command_timeout=GIVE_UP_AFTER
        ),
    )


# --8<-- [end:count_sessions]

if __name__ == "__main__":
    asyncio.run(main())
