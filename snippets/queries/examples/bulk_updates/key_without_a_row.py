import asyncio

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        changes = [{"id": 1, "name": "Ada King"}, {"id": 99, "name": "Nobody"}]
        try:
            await session.execute(update(User), changes)
            print("no error")
        except StaleDataError as exc:
            print(f"StaleDataError: {exc}")
            await session.rollback()
        names = await session.scalars(select(User.name).order_by(User.id))
        print(names.all())
        # --8<-- [end:pattern]


asyncio.run(main())
