import asyncio

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

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
        doc.data["font"]["size"] = 14
        flag_modified(doc, "data")  # whatever changed, write the whole value
        await session.commit()
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.data)))
            #> {'theme': 'light', 'font': {'size': 14}}
        # --8<-- [end:pattern]


asyncio.run(main())
