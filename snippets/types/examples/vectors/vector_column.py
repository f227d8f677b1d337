import asyncio
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, MetaData, event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


async def read_back(session: AsyncSession) -> None:
    session.add(Item(embedding=[0.1, 0.2, 0.3]))
    await session.commit()
    embedding = await session.scalar(select(Item.embedding))
    print(type(embedding).__name__, embedding)
    #> list [0.1, 0.2, 0.3]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            await read_back(session)


asyncio.run(main())
