import asyncio

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Item


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(Item(name="novel", data={"kind": "book", "pages": 320}))
        session.add(Item(name="zine", data={"kind": "zine", "pages": 24}))
        await session.commit()
        for where in (Item.data["kind"] == "book", Item.data["pages"] > 100):
            try:
                print((await session.scalars(select(Item.name).where(where))).all())
            except DBAPIError as exc:
                error = getattr(exc.orig, "__cause__", None)  # asyncpg's own
                print(f"{type(error).__name__}: {error}")
                await session.rollback()
        # --8<-- [end:pattern]


asyncio.run(main())
