import asyncio

from sqlalchemy import func, select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        async with session.begin_nested():
            session.add(User(email="alan@example.com", name="Alan Turing"))
        await session.rollback()
        print(await session.scalar(select(func.count()).select_from(User)))
        # --8<-- [end:pattern]


asyncio.run(main())
