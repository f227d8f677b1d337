import asyncio

from sqlalchemy import select

from snippets.models import Comment
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        commenters = select(Comment.author_id).distinct().order_by(Comment.author_id)
        print((await session.scalars(commenters)).all())
        #> [2, 3]
        # --8<-- [end:pattern]


asyncio.run(main())
