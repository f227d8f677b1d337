import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        option = selectinload(User.posts.and_(Post.published))
        users = await session.scalars(select(User).options(option).order_by(User.id))
        print({user.name: [post.title for post in user.posts] for user in users})
        """
        {
            "Ada Lovelace": ["Notes on the engine"],
            "Grace Hopper": [],
            "Linus Torvalds": [],
        }
        """
        # --8<-- [end:pattern]


asyncio.run(main())
