import asyncio

from sqlalchemy import select, update

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        changes = [
            {"id": 1, "name": "Ada King"},
            {"id": 3, "name": "Linus B. Torvalds"},
        ]
        with log_sql(engine) as sql:
            # The entity, not its Table: each dictionary's "id" becomes the WHERE.
            await session.execute(update(User), changes)
            await session.commit()
        print(len(sql), sql[0])
        rows = await session.execute(select(User.id, User.name).order_by(User.id))
        print(rows.all())
        # --8<-- [end:pattern]


asyncio.run(main())
