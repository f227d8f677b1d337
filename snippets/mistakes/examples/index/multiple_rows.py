import asyncio

from sqlalchemy import select
from sqlalchemy.exc import MultipleResultsFound

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).where(User.email.endswith("@example.com"))
        try:
            (await session.execute(query)).scalar_one_or_none()
        except MultipleResultsFound as exc:
            print(exc)
            #> Multiple rows were found when one or none was required
        first = (await session.scalars(query.order_by(User.id).limit(1))).first()
        print(first and first.name)
        #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
