import asyncio

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(User)
            .join(User.posts)
            .where(Post.published)
            .options(contains_eager(User.posts))
            .order_by(User.id)
        )
        with log_sql(engine) as sql:
            users = (await session.scalars(query)).unique().all()
        print({user.name: [post.title for post in user.posts] for user in users})
        print(len(sql))
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
