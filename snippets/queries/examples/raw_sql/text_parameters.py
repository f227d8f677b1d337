import asyncio

from sqlalchemy import text

from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT name FROM users WHERE email = :email")
        with log_sql(engine) as sql:
            result = await session.execute(query, {"email": "grace@example.com"})
        print(result.scalar_one())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
