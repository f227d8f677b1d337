import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_scoped_session

from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.concurrency import server_sessions


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        scoped = async_scoped_session(sessions, scopefunc=asyncio.current_task)

        async def count_users() -> int | None:
            return await scoped.scalar(select(func.count()).select_from(User))

        async with asyncio.TaskGroup() as group:
            for _ in range(4):
                group.create_task(count_users())
        # Four finished tasks: each one's session, and its open transaction, remain.
        print(len(scoped.registry.registry), pool_numbers(engine)["checked_out"])
        #> 4 4
        print(await server_sessions(engine))
        #> {'idle in transaction': 4}
        # --8<-- [end:pattern]
        for leftover in scoped.registry.registry.values():  # what remove() would do
            await leftover.close()


asyncio.run(main())
