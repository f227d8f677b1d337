import asyncio

from sqlalchemy import String, select
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

    @property
    def full_name(self) -> str:
        return self.first_name + " " + self.last_name


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Person(first_name="Ada", last_name="Lovelace"))
        await session.commit()
        # On the class, full_name is the property object: == compares it in Python.
        query = select(Person).where(Person.full_name == "Ada Lovelace")  # type: ignore[arg-type,comparison-overlap]
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
        print(sql[0])


# --8<-- [end:pattern]


asyncio.run(main())
