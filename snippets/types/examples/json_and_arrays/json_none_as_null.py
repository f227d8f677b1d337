import asyncio

from sqlalchemy import JSON, Text, cast, select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Note


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(Note(name="None", data_none_as_null=None))  # now SQL NULL
        session.add(Note(name="JSON.NULL", data_none_as_null=JSON.NULL))  # on purpose
        await session.commit()
        sql_null = select(Note.name).where(Note.data_none_as_null.is_(None))
        print((await session.scalars(sql_null)).all())
        #> ['None']
        json_null = select(Note.name).where(
            cast(Note.data_none_as_null, Text) == "null"
        )
        print((await session.scalars(json_null)).all())
        #> ['JSON.NULL']
        # --8<-- [end:pattern]


asyncio.run(main())
