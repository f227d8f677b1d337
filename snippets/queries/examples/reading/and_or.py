import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(User.name)
            .outerjoin(Post, Post.author_id == User.id)
            .where(Post.id.is_(None))
        )
        print((await session.scalars(query)).all())
        #> ['Linus Torvalds']
        # --8<-- [end:pattern]


asyncio.run(main())
