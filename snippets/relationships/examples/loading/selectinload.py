import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).options(selectinload(User.posts)).order_by(User.id)
        with log_sql(engine) as sql:
            users = (await session.scalars(query)).all()
        print({user.name: len(user.posts) for user in users})
        print(len(sql))
        print(sql[1])
        # --8<-- [end:pattern]


asyncio.run(main())
