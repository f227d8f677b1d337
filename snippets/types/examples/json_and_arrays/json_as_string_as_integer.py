import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.json_and_arrays import Base, Item


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(Item(name="novel", data={"kind": "book", "pages": 320}))
        session.add(Item(name="zine", data={"kind": "zine", "pages": 24}))
        await session.commit()
        books = select(Item.name).where(
            Item.data["kind"].as_string() == "book",
            Item.data["pages"].as_integer() > 100,
        )
        with log_sql(engine) as statements:
            print((await session.scalars(books)).all())
        print(statements[0])
        # --8<-- [end:pattern]


asyncio.run(main())
