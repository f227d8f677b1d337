import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_scoped_session

from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        scoped = async_scoped_session(sessions, scopefunc=asyncio.current_task)

        async def count_users() -> int | None:
            try:
                return await scoped.scalar(select(func.count()).select_from(User))
            finally:
                await scoped.remove()  # closes the session, forgets the task

        async with asyncio.TaskGroup() as group:
            for _ in range(4):
                group.create_task(count_users())
        print(len(scoped.registry.registry), pool_numbers(engine)["checked_out"])
        #> 0 0
        # --8<-- [end:pattern]


asyncio.run(main())
