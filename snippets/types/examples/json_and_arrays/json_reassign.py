import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Doc


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        doc = Doc(data={"theme": "light", "font": {"size": 12}})
        session.add(doc)
        await session.commit()
        # A new dict at each level that changes; the old value stays intact.
        doc.data = {**doc.data, "font": {**doc.data["font"], "size": 14}}
        await session.commit()
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.data)))
            #> {'theme': 'light', 'font': {'size': 14}}
        # --8<-- [end:pattern]


asyncio.run(main())
