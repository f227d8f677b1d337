import asyncio

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada, grace = (
            await session.scalars(
                select(User)
                .where(User.id.in_([1, 2]))
                .order_by(User.id)
                .options(selectinload(User.posts))
            )
        ).all()
        ada.posts.remove(ada.posts[-1])  # an orphan: deleted at commit
        ada.posts[0].author = grace  # moved: out of Ada's list, into Grace's
        await session.commit()
        print(len(ada.posts), len(grace.posts))
        #> 0 2
        print(await session.scalar(select(func.count()).select_from(Post)))
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
