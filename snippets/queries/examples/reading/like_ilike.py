import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        like = select(User.name).where(User.name.like("%ada%"))
        ilike = select(User.name).where(User.name.ilike("%ada%"))
        print((await session.scalars(like)).all())
        with log_sql(engine) as sql:
            print((await session.scalars(ilike)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
