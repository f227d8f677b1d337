import asyncio

from sqlalchemy import bindparam, text

from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT name FROM users WHERE id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True)  # one :ids, a parameter per item
        )
        with log_sql(engine) as sql:
            names = (await session.scalars(query, {"ids": [1, 3]})).all()
        print(names)
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
