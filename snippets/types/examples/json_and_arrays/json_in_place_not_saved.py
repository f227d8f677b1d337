import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.json_and_arrays import Base, Doc


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        doc = Doc(data={"theme": "light"})
        session.add(doc)
        await session.commit()
        doc.data["theme"] = "dark"  # changes the dict, not the attribute
        with log_sql(engine) as statements:
            await session.commit()  # succeeds, and sends nothing
        print(statements)
        #> []
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.data)))
            #> {'theme': 'light'}
        # --8<-- [end:pattern]


asyncio.run(main())
