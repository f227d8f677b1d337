import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        session.add(User(email="emile@example.com", name="Émile Zola"))
        await session.commit()
        query = select(User.name).where(User.name.ilike("%émile%"))
        print((await session.scalars(query)).all())
        # --8<-- [end:pattern]


asyncio.run(main())
