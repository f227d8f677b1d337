import asyncio

from sqlalchemy import Computed
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateColumn

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "people"
    __mapper_args__ = {"eager_defaults": True}  # read it back after an UPDATE too
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str]
    last_name: Mapped[str]
    full_name: Mapped[str] = mapped_column(
        Computed("first_name || ' ' || last_name", persisted=True)
    )


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        column = Base.metadata.tables["people"].c.full_name
        print(CreateColumn(column).compile(engine))
        ada = Person(first_name="Ada", last_name="Lovelace")
        session.add(ada)
        await session.flush()
        print("after the INSERT:", ada.full_name)
        ada.last_name = "King"
        await session.flush()
        print("after the UPDATE:", ada.full_name)
        ada.full_name = "Ada Byron"
        try:
            await session.flush()
        except DBAPIError as exc:
            # the driver's own exception, which SQLAlchemy wraps
            error = getattr(exc.orig, "__cause__", None) or exc.orig
            print(f"{type(error).__name__}: {error}")


asyncio.run(main())
