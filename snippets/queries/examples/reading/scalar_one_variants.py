import asyncio

from sqlalchemy import select
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        by_email = select(User).where(User.email == "grace@example.com")
        print((await session.execute(by_email)).scalar_one().name)
        #> Grace Hopper
        nobody = select(User).where(User.email == "nobody@example.com")
        print((await session.execute(nobody)).scalar_one_or_none())
        #> None
        print(await session.scalar(nobody))
        #> None
        try:
            (await session.scalars(select(User).where(User.id == 99))).one()
        except NoResultFound as exc:
            print(exc)
            #> No row was found when one was required
        try:
            (await session.scalars(select(User))).one_or_none()
        except MultipleResultsFound as exc:
            print(exc)
            #> Multiple rows were found when one or none was required
        # --8<-- [end:pattern]


asyncio.run(main())
