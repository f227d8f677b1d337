import asyncio

from sqlalchemy import func, select

from snippets.models import Comment, Post, Reaction, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada = await session.get(User, 1)
        with log_sql(engine) as sql:
            await session.delete(ada)
            await session.commit()
        print(sql)
        for model in (User, Post, Comment, Reaction):
            count = await session.scalar(select(func.count()).select_from(model))
            print(model.__name__, count)
        # --8<-- [end:pattern]


asyncio.run(main())
