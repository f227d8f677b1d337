import asyncio

from sqlalchemy import func, select

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        print(await session.scalar(select(func.count()).select_from(User)))
        #> 3
        published = select(func.count()).select_from(Post).where(Post.published)
        print(await session.scalar(published))
        #> 1
        # --8<-- [end:pattern]


asyncio.run(main())
