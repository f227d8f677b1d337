import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (_, sessions):
        limit = {"ms": "250ms"}  # say, from the app's settings
        # --8<-- [start:pattern]
        async with sessions() as session:
            try:
                await session.execute(text("SET LOCAL statement_timeout = :ms"), limit)
            except DBAPIError as exc:
                error = driver_error(exc)
                print(f"{type(error).__name__}: {error}")
                #> PostgresSyntaxError: syntax error at or near "$1"
        async with sessions() as session:
            set_local = text("SELECT set_config('statement_timeout', :ms, true)")
            await session.execute(set_local, limit)
            print("limit now:", await session.scalar(text("SHOW statement_timeout")))
            #> limit now: 250ms
        # --8<-- [end:pattern]


asyncio.run(main())
