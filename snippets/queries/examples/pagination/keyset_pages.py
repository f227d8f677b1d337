import asyncio

from sqlalchemy import select, tuple_

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        size = 2
        first = (
            await session.execute(
                select(User.name, User.id).order_by(User.name, User.id).limit(size)
            )
        ).all()
        last_name, last_id = first[-1]
        after = (
            select(User.name)
            .where(tuple_(User.name, User.id) > tuple_(last_name, last_id))
            .order_by(User.name, User.id)
            .limit(size)
        )
        with log_sql(engine) as sql:
            print([row.name for row in first], (await session.scalars(after)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
