import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.computed import Base, PlainPerson


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(PlainPerson(first_name="Ada", last_name="Lovelace"))
        await session.commit()
        # --8<-- [start:pattern]
        # On the class, full_name is the property object: == compares it in Python.
        query = select(PlainPerson).where(PlainPerson.full_name == "Ada Lovelace")  # type: ignore[arg-type,comparison-overlap]
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
