import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db
from snippets.sessions.timeouts import limit_transaction


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions):
        # --8<-- [start:pattern]
        backend = text("SELECT pg_backend_pid()")
        async with sessions() as session:
            await limit_transaction(session, statement="200ms")
            pid = await session.scalar(backend)
            try:
                await session.execute(text("SELECT pg_sleep(1)"))
            except DBAPIError as exc:
                error = driver_error(exc)
                print(f"{type(error).__name__}: {error}")
                #> QueryCanceledError: canceling statement due to statement timeout
                await session.rollback()
            print("same connection:", await session.scalar(backend) == pid)
            #> same connection: True
            print("limit now:", await session.scalar(text("SHOW statement_timeout")))
            #> limit now: 0
        # --8<-- [end:pattern]


asyncio.run(main())
