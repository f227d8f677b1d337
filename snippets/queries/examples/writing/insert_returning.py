import asyncio

from sqlalchemy import insert

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        rows = [
            {"email": "alan@example.com", "name": "Alan Turing"},
            {"email": "edsger@example.com", "name": "Edsger Dijkstra"},
        ]
        with log_sql(engine) as sql:
            statement = insert(User).returning(User, sort_by_parameter_order=True)
            users = await session.scalars(statement, rows)
            print([(user.id, user.name) for user in users])
        print(len(sql))
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
