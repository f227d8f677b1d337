import asyncio

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT name FROM users WHERE id = :id").bindparams(
            bindparam("id", type_=Integer)  # types the parameter, converts nothing
        )
        for user_id in ("1", int("1")):
            try:
                with log_sql(engine) as sql:
                    print((await session.scalars(query, {"id": user_id})).all())
            except DBAPIError as exc:
                error = driver_error(exc)
                print(f"{type(error).__name__}: {error}")
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
