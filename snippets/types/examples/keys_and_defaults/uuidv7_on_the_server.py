import asyncio
import uuid

from sqlalchemy import func, insert, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


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
            exists = text("SELECT to_regprocedure('uuidv7()')::text")
            print("to_regprocedure:", await session.scalar(exists))
            #> to_regprocedure: uuidv7()
            rows = [{"kind": f"event {n}"} for n in range(1000)]
            returning = insert(Event).returning(Event.id, sort_by_parameter_order=True)
            ids = (await session.scalars(returning, rows)).all()
            print(len(ids), "keys, versions", {key.version for key in ids})
            #> 1000 keys, versions {7}
            print("in the order of the rows:", ids == sorted(ids))
            #> in the order of the rows: True


# --8<-- [end:pattern]


asyncio.run(main())
