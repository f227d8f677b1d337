import asyncio

from sqlalchemy import func, select
from sqlalchemy.orm import with_expression

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
        print(post.query_count)
        #> None
        count = select(func.count(Comment.id)).where(Comment.post_id == Post.id)
        expression = with_expression(Post.query_count, count.scalar_subquery())
        # Without populate_existing, a post the session holds may keep an old value.
        query = select(Post).options(expression)
        await session.scalar(query.execution_options(populate_existing=True))
        print(post.query_count)
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
