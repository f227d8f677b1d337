import asyncio
import uuid

from sqlalchemy import func, insert, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class Event(Base):
    __tablename__ = "events"
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=func.uuidv7()  # PostgreSQL 18 and later
    )
    kind: Mapped[str]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            # NULL on a server without the function (PostgreSQL 17 and older)
            print(await session.scalar(text("SELECT to_regprocedure('uuidv7()')::text")))
            rows = [{"kind": f"event {n}"} for n in range(1000)]
            returning = insert(Event).returning(Event.id, sort_by_parameter_order=True)
            ids = (await session.scalars(returning, rows)).all()
            print(len(ids), {key.version for key in ids}, ids == sorted(ids))


# --8<-- [end:pattern]


asyncio.run(main())
