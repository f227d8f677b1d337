import asyncio

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from snippets.models import Base
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        changes = [
            {"id": 1, "name": "Ada King"},
            {"id": 3, "name": "Linus B. Torvalds"},
        ]
        users = Base.metadata.tables["users"]  # User.__table__: Core, not the ORM
        try:  # "id" becomes a column to SET, not a WHERE
            await session.execute(update(users), changes)
        except IntegrityError as exc:
            print("\n".join(str(exc).splitlines()[:2]))
        # --8<-- [end:pattern]


asyncio.run(main())
