import asyncio

from sqlalchemy import select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import defer

from snippets.models import Post
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # The sample posts have empty bodies: give the first one some text.
        await session.execute(update(Post).where(Post.id == 1).values(body="Notes."))
        await session.commit()
        # --8<-- [start:pattern]
        query = select(Post).options(defer(Post.body, raiseload=True))
        post = (await session.scalars(query.where(Post.id == 1))).one()
        try:
            print(post.body)
        except InvalidRequestError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> InvalidRequestError: 'Post.body' is not available due to raiseload=True
        try:
            print(await post.awaitable_attrs.body)
        except InvalidRequestError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> InvalidRequestError: 'Post.body' is not available due to raiseload=True
        await session.refresh(post, ["body"])  # an explicit load still works
        print(post.body)
        #> Notes.
        # --8<-- [end:pattern]


asyncio.run(main())
