import asyncio

from sqlalchemy import select, update

from snippets.models import Base, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        users = Base.metadata.tables["users"]  # User.__table__, typed as a Table
        changes = [
            {"user_id": 1, "name": "Ada King"},
            {"user_id": 3, "name": "Linus B. Torvalds"},
        ]
        with log_sql(engine) as sql:
            await session.execute(update(users), changes)  # no WHERE: every row
        print(sql[0])
        rows = await session.execute(select(User.id, User.name).order_by(User.id))
        print(rows.all())
        # --8<-- [end:pattern]


asyncio.run(main())
