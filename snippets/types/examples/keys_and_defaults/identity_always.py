import asyncio

from sqlalchemy import Identity
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)
    title: Mapped[str]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Ticket(id=1, title="imported with its id"))
            try:
                await session.flush()
            except DBAPIError as exc:
                error = getattr(exc.orig, "__cause__", None)  # asyncpg's own exception
                print(f"{type(error).__name__}: {error}")
                """
                GeneratedAlwaysError: cannot insert a non-DEFAULT value into column "id"
                DETAIL:  Column "id" is an identity column defined as GENERATED ALWAYS.
                HINT:  Use OVERRIDING SYSTEM VALUE to override.
                """


# --8<-- [end:pattern]


asyncio.run(main())
