import asyncio

from sqlalchemy import func, insert, select

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        rows = [
            {"email": f"user{n}@example.com", "name": f"User {n}"} for n in range(2500)
        ]
        with log_sql(engine) as sql:
            await session.execute(insert(User), rows)
            await session.commit()
        print(len(sql), await session.scalar(select(func.count()).select_from(User)))
        #> 1 2503
        # --8<-- [end:pattern]


asyncio.run(main())
