import asyncio

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import selectinload

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        user = await session.scalar(select(User).where(User.id == 1))
        assert user is not None
        try:
            print(len(user.posts))
        except InvalidRequestError as exc:
            print(exc)
            #> 'User.posts' is not available due to lazy='raise_on_sql'
        query = select(User).where(User.id == 1).options(selectinload(User.posts))
        loaded = await session.scalar(query.execution_options(populate_existing=True))
        assert loaded is not None
        print(len(loaded.posts))
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
