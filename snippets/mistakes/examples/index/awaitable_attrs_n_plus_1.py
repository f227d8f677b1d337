import asyncio

from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            query = select(User).options(lazyload(User.posts))
            users = (await session.scalars(query)).all()
            for user in users:
                await user.awaitable_attrs.posts
        print(len(users), len(sql))
        #> 3 4
        async with sessions() as fresh:
            with log_sql(engine) as sql:
                query = select(User).options(selectinload(User.posts))
                users = (await fresh.scalars(query)).all()
            print(len(users), len(sql))
            #> 3 2
        # --8<-- [end:pattern]


asyncio.run(main())
