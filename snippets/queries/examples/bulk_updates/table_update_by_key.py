import asyncio

from sqlalchemy import bindparam, select, update

from snippets.models import Base, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        users = Base.metadata.tables["users"]  # User.__table__, typed as a Table
        changes = [
            {"user_id": 1, "name": "Ada King"},
            {"user_id": 3, "name": "Linus B. Torvalds"},
        ]
        by_key = update(users).where(users.c.id == bindparam("user_id"))
        await session.execute(by_key, changes)
        rows = await session.execute(select(User.id, User.name).order_by(User.id))
        print(rows.all())
        #> [(1, 'Ada King'), (2, 'Grace Hopper'), (3, 'Linus B. Torvalds')]
        # --8<-- [end:pattern]


asyncio.run(main())
