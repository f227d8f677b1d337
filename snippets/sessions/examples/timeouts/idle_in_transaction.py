import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        backend = text("SELECT pg_backend_pid()")
        async with sessions() as session:
            await session.execute(
                text("SET LOCAL idle_in_transaction_session_timeout = '200ms'")
            )
            pid = await session.scalar(backend)
            await asyncio.sleep(0.4)  # an await on something else, the transaction open
            try:
                await session.execute(text("SELECT 1"))
            except DBAPIError as exc:
                error = driver_error(exc)
                print(f"{type(error).__name__}: {error}")
                #> InterfaceError: connection is closed
                print("checked out:", pool_numbers(engine)["checked_out"])
                #> checked out: 0
                await session.rollback()
            print("new connection:", await session.scalar(backend) != pid)
            #> new connection: True
        # --8<-- [end:pattern]


asyncio.run(main())
