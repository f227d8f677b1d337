import asyncio

from sqlalchemy import select, update

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # Every post published: Ada now has two, Grace one, Linus none.
        await session.execute(update(Post).values(published=True))
        # --8<-- [start:pattern]
        exists = select(User).where(User.posts.any(Post.published))
        joined = select(User).join(User.posts).where(Post.published)
        for query in (exists, joined, joined.distinct()):
            users = await session.scalars(query.order_by(User.id))
            print([user.name for user in users])
            #> ['Ada Lovelace', 'Grace Hopper']
            #> ['Ada Lovelace', 'Ada Lovelace', 'Grace Hopper']
            #> ['Ada Lovelace', 'Grace Hopper']
        # --8<-- [end:pattern]


asyncio.run(main())
