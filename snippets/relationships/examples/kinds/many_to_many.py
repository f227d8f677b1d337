import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import Post, Tag
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        post = await session.scalar(
            select(Post).where(Post.id == 2).options(selectinload(Post.tags))
        )
        assert post is not None
        with log_sql(engine) as sql:
            post.tags.append(Tag(name="teaching"))
            await session.commit()
        print([tag.name for tag in post.tags])
        print(len(sql))
        print(sql[0])
        print(sql[-1])
        # --8<-- [end:pattern]


asyncio.run(main())
