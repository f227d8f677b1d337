import asyncio

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ids = list(range(1, 40_001))  # say, ids a client sent, or another query found
        query = select(User.name).where(User.id.in_(ids))
        try:
            with log_sql(engine) as sql:
                names = (await session.scalars(query)).all()
            print(names)
            print(f"placeholders: {sql[0].count('?')}")  # SQLite's are ?
        except DBAPIError as exc:
            error = driver_error(exc)  # asyncpg's own
            print(f"{type(error).__name__}: {error}")
        # --8<-- [end:pattern]


asyncio.run(main())
