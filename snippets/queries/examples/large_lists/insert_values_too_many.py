import asyncio

from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        rows = [{"email": f"user{n}@example.com", "name": "New"} for n in range(16_384)]
        try:  # one VALUES list: two parameters a row, 32,768 in all
            await session.execute(insert(User).values(rows))
            print("values(): accepted")
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"values(): {type(error).__name__}: {error}")
        await session.rollback()  # start again from no rows, on both backends
        with log_sql(engine) as sql:  # the rows as a list of parameter sets
            await session.execute(insert(User), rows)
        print(f"{len(sql)} statement: {sql[0]}")
        print(await session.scalar(select(func.count()).select_from(User)))
        # --8<-- [end:pattern]


asyncio.run(main())
