import asyncio

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from snippets.database import close_db, create_engine, create_session_factory
from snippets.sample import examples_url
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    settings = Settings(
        database_url=examples_url(postgres=True),
        db_pool_size=2,
        db_max_overflow=1,  # at most 3 connections
        db_pool_timeout=0.1,
    )
    engine = create_engine(settings)
    sessions = create_session_factory(engine)

    async def report(day: int) -> int:  # a query that takes 0.2 s
        async with sessions() as session:
            await session.execute(text("SELECT pg_sleep(0.2)"))
            return day

    try:
        async with asyncio.TaskGroup() as group:
            for day in range(6):
                group.create_task(report(day))
    except* PoolTimeout as group_error:
        exc = group_error.exceptions[0]  # tasks 4 to 6 wait 0.1 s, then fail
    print(f"{type(exc).__name__}: {str(exc).split(' (Background')[0]}")
    """
    TimeoutError: QueuePool limit of size 2 overflow 1 reached, connection timed out, timeout 0.10
    """
    # --8<-- [end:pattern]
    await close_db(engine)


asyncio.run(main())
