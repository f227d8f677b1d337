import asyncio

from sqlalchemy import select
from sqlalchemy.orm import defer, load_only

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            # Only these columns (and the primary key, always).
            await session.scalars(select(Post).options(load_only(Post.title)))
            # Every column but these.
            await session.scalars(select(Post).options(defer(Post.body)))
        print(*sql, sep="\n\n")
        """
        SELECT posts.id, posts.title
        FROM posts


        SELECT posts.id, posts.author_id, posts.title, posts.published, posts.created_at, posts.updated_at
        FROM posts
        """
        # --8<-- [end:pattern]


asyncio.run(main())
