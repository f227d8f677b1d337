import asyncio

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            first = await session.get(User, 1)
            again = await session.get(User, 1)
        print(first is again, first.name if first else None)
        print(len(sql))
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
