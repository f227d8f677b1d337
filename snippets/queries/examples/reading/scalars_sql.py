import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            print(await session.scalar(select(User.name).order_by(User.id)))
            #> Ada Lovelace
        print(sql[0])
        """
        SELECT users.name
        FROM users ORDER BY users.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
