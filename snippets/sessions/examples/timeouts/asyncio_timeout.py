import asyncio

from sqlalchemy import text
from sqlalchemy.exc import PendingRollbackError

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
        async with sessions() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            try:
                async with asyncio.timeout(0.2):
                    await session.execute(text("SELECT pg_sleep(10)"))
            except TimeoutError as exc:
                checked_out = pool_numbers(engine)["checked_out"]
                print(f"{type(exc).__name__}, checked out: {checked_out}")
            try:
                await session.execute(text("SELECT 1"))
            except PendingRollbackError as exc:
                print(f"{type(exc).__name__}: {exc}")
            await session.rollback()
            for _ in range(100):  # well before the sleep would end
                if await session.scalar(gone, {"pid": pid}):
                    break
                await session.rollback()  # pg_stat_activity is read once a transaction
                await asyncio.sleep(0.02)
            print("server session gone:", await session.scalar(gone, {"pid": pid}))
        # --8<-- [end:pattern]


asyncio.run(main())
