import asyncio

from sqlalchemy import text

from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT count(*) FROM users WHERE id > CAST(:after AS int)")
        print(query.compile().params)
        with log_sql(engine) as sql:
            print(await session.scalar(query, {"after": 1}))
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
