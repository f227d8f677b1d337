import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.queries.large_lists import chunks
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ids = list(range(1, 40_001))
        names: list[str] = []
        with log_sql(engine) as sql:
            for batch in chunks(ids, 10_000):  # each below 32,767 parameters in all
                query = select(User.name).where(User.id.in_(batch)).order_by(User.id)
                names.extend(await session.scalars(query))
        print(f"{len(sql)} queries: {names}")
        #> 4 queries: ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']
        # --8<-- [end:pattern]


asyncio.run(main())
