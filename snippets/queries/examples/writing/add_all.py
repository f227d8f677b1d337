import asyncio

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        users = [
            User(email=f"user{n}@example.com", name=f"User {n}") for n in range(2500)
        ]
        with log_sql(engine) as sql:
            session.add_all(users)
            await session.commit()
        print(len(sql), users[-1].id)
        # --8<-- [end:pattern]


asyncio.run(main())
