import asyncio

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        post = await session.scalar(
            select(Post).options(lazyload(Post.comments)).limit(1)
        )
        assert post is not None
        with log_sql(engine) as sql:
            comments = await post.awaitable_attrs.comments
            again = await post.awaitable_attrs.comments
        print([comment.body for comment in comments], again is comments, len(sql))
        #> ['Fascinating.', 'Agreed.'] True 1
        # --8<-- [end:pattern]


asyncio.run(main())
