import asyncio
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, MetaData, event, select, text
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


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Item(name="same direction", embedding=[2, 2, 0]))
            session.add(Item(name="close by", embedding=[1, 0.5, 0]))
            session.add(Item(name="sideways", embedding=[0, 1, 2]))
            await session.commit()
            for distance in (Item.embedding.cosine_distance, Item.embedding.l2_distance):
                to_query = distance([1, 1, 0]).label("distance")
                nearest = select(Item.name, to_query).order_by(to_query)
                with log_sql(engine) as statements:
                    rows = (await session.execute(nearest)).all()
                print(statements[0])
                print([(name, round(d, 3)) for name, d in rows])


# --8<-- [end:pattern]


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    # create_all enables the extension before it creates the tables that need it.
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


asyncio.run(main())
