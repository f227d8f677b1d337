import asyncio

from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).where(User.email == "nobody@example.com")
        try:
            (await session.execute(query)).scalar_one()
        except NoResultFound as exc:
            print(exc)
            #> No row was found when one was required
        print((await session.execute(query)).scalar_one_or_none())
        #> None
        # --8<-- [end:pattern]


asyncio.run(main())
