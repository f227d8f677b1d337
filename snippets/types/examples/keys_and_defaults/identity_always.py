import asyncio

from sqlalchemy import Identity, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)
    title: Mapped[str]


class Legacy(Base):  # SERIAL, filled by an import that kept its ids
    __tablename__ = "legacy"
    id: Mapped[int] = mapped_column(primary_key=True)
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
            await session.rollback()
            session.add_all([Legacy(id=n, title=f"old {n}") for n in (1, 2, 3)])
            await session.flush()
            # Move the sequence past the imported ids, once, after the import:
            move = "SELECT setval(pg_get_serial_sequence('legacy', 'id'), max(id)) FROM legacy"
            await session.execute(text(move))
            session.add(new := Legacy(title="new"))
            await session.flush()
            print(new.id)


# --8<-- [end:pattern]


asyncio.run(main())
