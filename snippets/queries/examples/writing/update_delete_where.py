import asyncio

from sqlalchemy import delete, update

from snippets.models import Comment, Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        publish = (
            update(Post)
            .where(Post.published.is_(False))
            .values(published=True)
            .returning(Post.title)
        )
        purge = delete(Comment).where(Comment.author_id == 3).returning(Comment.body)
        with log_sql(engine) as sql:
            print((await session.scalars(publish)).all())
            print((await session.scalars(purge)).all())
        await session.commit()
        print(sql[0])
        print(sql[1])
        # --8<-- [end:pattern]


asyncio.run(main())
