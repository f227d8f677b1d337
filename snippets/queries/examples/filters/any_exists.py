import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        # Users who have at least one published post.
        query = select(User.name).where(User.posts.any(Post.published))
        with log_sql(engine) as sql:
            print((await session.scalars(query.order_by(User.id))).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
