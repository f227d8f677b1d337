import asyncio

from sqlalchemy import Text, cast, null, select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Note


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(Note(name="None", data=None))  # JSON's own null
        session.add(Note(name="null()", data=null()))  # SQL NULL
        await session.commit()
        text = cast(Note.data, Text).label("text")  # what the column holds
        stored = select(Note.name, Note.data, text).order_by(Note.id)
        print((await session.execute(stored)).all())
        #> [('None', None, 'null'), ('null()', None, None)]
        sql_null = select(Note.name).where(Note.data.is_(None))
        print((await session.scalars(sql_null)).all())
        #> ['null()']
        # --8<-- [end:pattern]


asyncio.run(main())
