import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.types.computed import Base, Comment, Post


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Hello"))
        await session.commit()
        # --8<-- [start:pattern]
        post = (await session.scalars(select(Post))).one()
        session.add(Comment(post_id=post.id))
        await session.commit()
        # This SELECT computes 1, but the post already in the session keeps its 0.
        await session.scalar(select(Post))
        print(post.comment_count)
        #> 0
        await session.refresh(post, ["comment_count"])
        print(post.comment_count)
        #> 1
        session.add(Comment(post_id=post.id))
        await session.commit()
        await session.scalar(select(Post).execution_options(populate_existing=True))
        print(post.comment_count)
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
