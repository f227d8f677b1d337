import asyncio

from sqlalchemy import func, select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        count = select(func.count()).select_from(User)
        try:
            async with sessions.begin() as work:
                work.add(User(email="alan@example.com", name="Alan Turing"))
                await work.flush()  # the row is in the database's transaction now
                raise RuntimeError("the payment provider said no")
        except RuntimeError:
            pass
        async with sessions.begin() as work:
            work.add(User(email="edsger@example.com", name="Edsger Dijkstra"))
        print(await session.scalar(count))
        #> 4
        # --8<-- [end:pattern]


asyncio.run(main())
