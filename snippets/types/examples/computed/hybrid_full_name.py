import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.computed import Base, Person


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Person(first_name="Alan", last_name="Turing"))
        session.add(Person(first_name="Grace", last_name="Hopper"))
        session.add(Person(first_name="Ada", last_name="Lovelace"))
        await session.commit()
        # --8<-- [start:pattern]
        query = (
            select(Person)
            .where(Person.full_name.startswith("A"))
            .order_by(Person.full_name)
        )
        with log_sql(engine) as sql:
            people = (await session.scalars(query)).all()
        print([person.full_name for person in people])
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
