import asyncio

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import undefer

from snippets.sample import sample_db
from snippets.types.computed import Base, Comment, Post


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
        await session.commit()
        # --8<-- [start:pattern]
        post = (await session.scalars(select(Post))).one()
        try:
            print(post.deferred_count)
        except InvalidRequestError as exc:
            print(exc)
            #> 'Post.deferred_count' is not available due to raiseload=True
        await session.scalar(select(Post).options(undefer(Post.deferred_count)))
        print(post.deferred_count)
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
