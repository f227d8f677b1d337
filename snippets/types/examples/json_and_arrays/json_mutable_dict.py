import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Doc


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        doc = Doc(tracked={"theme": "light", "font": {"size": 12}})
        session.add(doc)
        await session.commit()
        doc.tracked["theme"] = "dark"  # a key of the dict itself: tracked
        await session.commit()
        doc.tracked["font"]["size"] = 14  # a dict inside it: not tracked
        await session.commit()
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.tracked)))
            #> {'theme': 'dark', 'font': {'size': 12}}
        # --8<-- [end:pattern]


asyncio.run(main())
