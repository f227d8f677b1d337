import asyncio

from sqlalchemy import func, select

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        inner = (
            select(User.name, func.count(Post.id))
            .join(Post, Post.author_id == User.id)
            .group_by(User.id, User.name)
            .order_by(User.id)
        )
        outer = (
            select(User.name, func.count(Post.id))
            .outerjoin(Post, Post.author_id == User.id)
            .group_by(User.id, User.name)
            .order_by(User.id)
        )
        print((await session.execute(inner)).all())
        #> [('Ada Lovelace', 2), ('Grace Hopper', 1)]
        print((await session.execute(outer)).all())
        #> [('Ada Lovelace', 2), ('Grace Hopper', 1), ('Linus Torvalds', 0)]
        # --8<-- [end:pattern]


asyncio.run(main())
