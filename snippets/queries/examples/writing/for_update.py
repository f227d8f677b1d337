import asyncio

from sqlalchemy import select

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(Post).where(Post.id == 1).with_for_update()
        with log_sql(engine) as sql:
            post = await session.scalar(query)
            assert post is not None
            post.published = False
            await session.commit()
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
