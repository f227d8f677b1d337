import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.concurrency import server_sessions


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        opened: list[AsyncSession] = []
        # --8<-- [start:pattern]
        ready = asyncio.Barrier(3)  # the two queries and the task that fails

        async def slow_query() -> None:
            async with sessions() as session:
                opened.append(session)
                await session.connection()  # holds a connection from the pool
                await ready.wait()
                await session.execute(text("SELECT pg_sleep(0.6)"))

        async def fails() -> None:
            await ready.wait()  # once both queries hold their connection
            await asyncio.sleep(0.2)  # and have sent their query
            raise ValueError("bad input")

        try:
            async with asyncio.TaskGroup() as group:
                queries = [group.create_task(slow_query()) for _ in range(2)]
                group.create_task(fails())
        except* ValueError as group_error:
            failures = group_error.exceptions  # the TaskGroup wraps them in a group
        print(repr(failures), [query.cancelled() for query in queries])
        #> (ValueError('bad input'),) [True, True]
        print(pool_numbers(engine)["checked_out"], await server_sessions(engine))
        #> 0 {}
        try:
            await opened[0].execute(text("SELECT 1"))
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            InvalidRequestError: This Session has been permanently closed and is unable to handle any more transaction requests.
            """
        # --8<-- [end:pattern]


asyncio.run(main())
