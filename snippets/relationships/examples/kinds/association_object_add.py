import asyncio

from sqlalchemy.exc import IntegrityError

from snippets.models import Post, Reaction, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        grace, post = await session.get(User, 2), await session.get(Post, 1)
        assert grace is not None
        assert post is not None
        session.add(Reaction(kind="like", user=grace, post=post))
        try:
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()  # the session is unusable until rolled back
            print("Grace already reacted:", "reactions" in str(exc.orig))
            #> Grace already reacted: True
        # --8<-- [end:pattern]


asyncio.run(main())
