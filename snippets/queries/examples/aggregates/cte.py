import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        published = (
            select(Post.author_id, Post.title).where(Post.published).cte("published")
        )
        query = select(User.name, published.c.title).join(
            published, published.c.author_id == User.id
        )
        with log_sql(engine) as sql:
            print((await session.execute(query)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
