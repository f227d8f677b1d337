import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT count(*) FROM users WHERE id > :after::int")
        print(query.compile().params)  # the parameters SQLAlchemy found in the text
        try:
            with log_sql(engine) as sql:
                await session.scalar(query, {"after": 1})
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
        print(sql[0])  # what the database received
        # --8<-- [end:pattern]


asyncio.run(main())
