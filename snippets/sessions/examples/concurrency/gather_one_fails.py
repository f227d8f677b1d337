import asyncio

from sqlalchemy import text

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.concurrency import server_sessions


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        ready = asyncio.Barrier(3)  # the two queries and the task that fails

        async def slow_query() -> None:
            async with sessions() as session:  # a session of its own
                await session.connection()  # holds a connection from the pool
                await ready.wait()
                await session.execute(text("SELECT pg_sleep(0.6)"))

        async def fails() -> None:
            await ready.wait()  # once both queries hold their connection
            await asyncio.sleep(0.2)  # and have sent their query
            raise ValueError("bad input")

        queries = [asyncio.create_task(slow_query()) for _ in range(2)]
        try:
            await asyncio.gather(*queries, fails())
        except ValueError as exc:
            print(repr(exc), pool_numbers(engine)["checked_out"])
            #> ValueError('bad input') 2
            print(await server_sessions(engine))
            #> {'active': 2}
        await asyncio.wait(queries)  # nothing stopped them: they finish
        print(
            [query.exception() for query in queries],
            pool_numbers(engine)["checked_out"],
        )
        #> [None, None] 0
        # --8<-- [end:pattern]


asyncio.run(main())
