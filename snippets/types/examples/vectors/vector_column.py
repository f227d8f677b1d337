import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.sample import sample_db
from snippets.types.vectors import Base, Item


# --8<-- [start:pattern]
async def read_back(session: AsyncSession) -> None:
    session.add(Item(embedding=[0.1, 0.2, 0.3]))
    await session.commit()
    embedding = await session.scalar(select(Item.embedding))
    print(type(embedding).__name__, embedding)
    #> list [0.1, 0.2, 0.3]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            # The listener creates the extension, then the tables.
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            await read_back(session)


asyncio.run(main())
