import asyncio

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada = await session.scalar(
            select(User).where(User.id == 1).options(selectinload(User.posts))
        )
        assert ada is not None
        published_only = (
            select(User)
            .join(User.posts)
            .where(User.id == 1, Post.published)
            .options(contains_eager(User.posts))
        )
        await session.scalars(published_only)
        print(len(ada.posts))
        #> 2
        await session.scalars(published_only.execution_options(populate_existing=True))
        print(len(ada.posts))
        #> 1
        # --8<-- [end:pattern]


asyncio.run(main())
