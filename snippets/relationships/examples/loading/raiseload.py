import asyncio

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import raiseload, selectinload

from snippets.models import Post
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(Post).options(selectinload(Post.tags), raiseload("*")).limit(1)
        post = await session.scalar(query)
        assert post is not None
        print([tag.name for tag in post.tags])
        #> ['history']
        try:
            print(post.comments)
        except InvalidRequestError as exc:
            print(exc)
            #> 'Post.comments' is not available due to lazy='raise'
        # --8<-- [end:pattern]


asyncio.run(main())
