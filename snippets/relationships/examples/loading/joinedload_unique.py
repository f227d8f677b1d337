import asyncio

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import joinedload

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).options(joinedload(User.posts)).order_by(User.id)
        try:
            (await session.scalars(query)).all()
        except InvalidRequestError as exc:
            print(exc)
            """
            The unique() method must be invoked on this Result, as it contains results that include joined eager loads against collections
            """
        users = (await session.scalars(query)).unique().all()
        print([user.name for user in users])
        #> ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']
        # --8<-- [end:pattern]


asyncio.run(main())
