import asyncio

from sqlalchemy import delete, func, select

from snippets.models import Comment, Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        tables = (User, Post, Comment)
        # --8<-- [start:pattern]
        counts = [select(func.count()).select_from(table) for table in tables]
        print([await session.scalar(count) for count in counts])
        #> [3, 3, 3]
        await session.execute(delete(User).where(User.id.in_([1])))  # Ada
        print([await session.scalar(count) for count in counts])
        #> [2, 1, 1]
        # --8<-- [end:pattern]


asyncio.run(main())
