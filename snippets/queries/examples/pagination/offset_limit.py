import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        size, page = 2, 2
        query = (
            select(User.name).order_by(User.id).limit(size).offset((page - 1) * size)
        )
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
