import asyncio

from sqlalchemy import func, select

from snippets.models import Comment, Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        linus = await session.get(User, 3)
        post = await session.get(Post, 2)
        assert linus is not None
        assert post is not None
        linus.comments.add(Comment(body="Nice loop.", post=post, author=linus))
        await session.commit()
        latest = linus.comments.select().order_by(Comment.id.desc()).limit(2)
        with log_sql(engine) as sql:
            print([comment.body for comment in await session.scalars(latest)])
        total = select(func.count()).select_from(linus.comments.select().subquery())
        print(await session.scalar(total))
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
