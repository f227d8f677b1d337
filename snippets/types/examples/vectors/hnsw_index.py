import asyncio
import random
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, Index, MetaData, event, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(3))
    __table_args__ = (
        Index(
            "items_embedding_idx",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        with log_sql(engine) as statements:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        print(statements[-1])
        rng = random.Random(42)
        rows = [{"embedding": [rng.gauss(0, 1) for _ in range(3)]} for _ in range(2000)]
        async with sessions() as session:
            await session.execute(insert(Item), rows)
            await session.execute(text("ANALYZE items"))  # row counts for the planner
            for distance in (Item.embedding.cosine_distance, Item.embedding.l2_distance):
                nearest = select(Item.id).order_by(distance([1, 0, 0])).limit(5)
                sql = nearest.compile(engine, compile_kwargs={"literal_binds": True})
                plan = await session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}"))
                print("\n".join(plan))


# --8<-- [end:pattern]


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    # create_all enables the extension before it creates the tables that need it.
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


asyncio.run(main())
