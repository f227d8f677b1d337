import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)  # SERIAL on PostgreSQL
    title: Mapped[str]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Ticket(id=1, title="imported with its id"))
            await session.commit()
            session.add(ticket := Ticket(title="new"))
            try:
                await session.commit()
                print(ticket.id)
            except IntegrityError as exc:
                error = getattr(exc.orig, "__cause__", None) or exc.orig  # the driver's own
                print(f"{type(error).__name__}: {error}")


# --8<-- [end:pattern]


asyncio.run(main())
