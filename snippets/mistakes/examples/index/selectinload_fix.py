import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(User).options(selectinload(User.posts)).order_by(User.id).limit(1)
        )
        user = await session.scalar(query)
        assert user is not None
        print(len(user.posts))
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
