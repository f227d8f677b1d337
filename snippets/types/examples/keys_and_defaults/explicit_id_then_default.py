import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)  # SERIAL on PostgreSQL
    title: Mapped[str]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Ticket(id=1, title="imported with its id"))
        await session.commit()
        print("imported: id 1")
        session.add(ticket := Ticket(title="new"))
        try:
            await session.commit()
            print("new: id", ticket.id)
        except IntegrityError as exc:
            # the driver's own exception, which SQLAlchemy wraps
            error = getattr(exc.orig, "__cause__", None) or exc.orig
            print(f"new: {type(error).__name__}: {error}")


asyncio.run(main())
