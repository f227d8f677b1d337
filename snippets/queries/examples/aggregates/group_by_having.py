import asyncio

from sqlalchemy import func, select

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(User.name, func.count(Post.id).label("posts"))
            .join(Post, Post.author_id == User.id)
            .group_by(User.id, User.name)
            .having(func.count(Post.id) >= 2)
        )
        with log_sql(engine) as sql:
            print((await session.execute(query)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
