import asyncio

from sqlalchemy import String, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))

    # On an object: Python strings. On the class: SQL columns, so the same
    # body builds a SQL expression.
    @hybrid_property
    def full_name(self) -> str:
        return self.first_name + " " + self.last_name


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Person(first_name="Alan", last_name="Turing"))
        session.add(Person(first_name="Grace", last_name="Hopper"))
        session.add(Person(first_name="Ada", last_name="Lovelace"))
        await session.commit()
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
