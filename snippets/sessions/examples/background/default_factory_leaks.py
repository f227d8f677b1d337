import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (engine, _):
        # --8<-- [start:pattern]
        # close_resets_only left at its default (True): close() only resets.
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:  # the request, and get_db's close
            await session.get(User, 1)
        await session.scalar(select(func.count(User.id)))  # the task, afterwards
        print(pool_numbers(engine)["checked_out"], "connection checked out")
        #> 1 connection checked out
        async with engine.connect() as connection:  # what the server sees
            states = text(
                "SELECT state FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            print((await connection.scalars(states)).all())
            #> ['idle in transaction']
        # --8<-- [end:pattern]
        await session.close()  # only this program can: it kept a reference


asyncio.run(main())
