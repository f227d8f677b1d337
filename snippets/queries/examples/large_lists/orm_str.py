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
        user_id = "1"
        query = select(User.name).where(User.id == user_id)
        try:
            with log_sql(engine) as sql:
                print((await session.scalars(query)).all())
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
