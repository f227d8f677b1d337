import asyncio

from sqlalchemy import select

from snippets.models import Post
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(Post.title).order_by(Post.published.desc(), Post.title)
        print((await session.scalars(query)).all())
        #> ['Notes on the engine', 'COBOL reads like English', 'Loops in Python']
        # --8<-- [end:pattern]


asyncio.run(main())
