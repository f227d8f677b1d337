import asyncio
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, MetaData, event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


async def nearest(session: AsyncSession, engine: AsyncEngine) -> None:
    by_cosine = select(Item.name).order_by(Item.embedding.cosine_distance([1, 1, 0]))
    by_l2 = select(Item.name).order_by(Item.embedding.l2_distance([1, 1, 0]))
    with log_sql(engine) as statements:
        print((await session.scalars(by_cosine.limit(2))).all())
        #> ['same direction', 'close by']
        print((await session.scalars(by_l2.limit(2))).all())
        #> ['close by', 'same direction']
    print(" ".join(statements[0].split()))
    #> SELECT items.name FROM items ORDER BY items.embedding <=> $1 LIMIT $2::INTEGER
    print(" ".join(statements[1].split()))
    #> SELECT items.name FROM items ORDER BY items.embedding <-> $1 LIMIT $2::INTEGER


# --8<-- [end:pattern]


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Item(name="same direction", embedding=[2, 2, 0]))
            session.add(Item(name="close by", embedding=[1, 0.5, 0]))
            session.add(Item(name="sideways", embedding=[0, 1, 2]))
            await session.commit()
            await nearest(session, engine)


asyncio.run(main())
