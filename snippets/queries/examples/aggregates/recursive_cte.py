import asyncio

from sqlalchemy import literal, select

from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
        numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < 5))
        with log_sql(engine) as sql:
            print((await session.scalars(select(numbers.c.n))).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
