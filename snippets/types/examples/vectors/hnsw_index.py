import asyncio
import random
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, Index, MetaData, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
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


Index(
    "items_embedding_idx",
    Item.embedding,
    postgresql_using="hnsw",
    postgresql_with={"m": 16, "ef_construction": 64},
    postgresql_ops={"embedding": "vector_cosine_ops"},
)


async def show_scans(session: AsyncSession) -> None:
    for distance in (Item.embedding.cosine_distance, Item.embedding.l2_distance):
        query = select(Item.id).order_by(distance([1, 0, 0])).limit(5)
        # Values inlined for EXPLAIN: safe, they are this program's own numbers.
        sql = query.compile(session.bind, compile_kwargs={"literal_binds": True})
        plan = await session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}"))
        print(next(line.strip(" ->") for line in plan if "Scan" in line))
        #> Index Scan using items_embedding_idx on items
        #> Seq Scan on items


# --8<-- [end:pattern]


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        with log_sql(engine) as statements:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        # The index's DDL.
        print(statements[-1])
        """
        CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
        """
        rng = random.Random(42)
        rows = [{"embedding": [rng.gauss(0, 1) for _ in range(3)]} for _ in range(2000)]
        async with sessions() as session:
            # One executemany call for the whole list, no objects built.
            await session.execute(insert(Item), rows)
            # Row counts for the planner, which autovacuum would gather later.
            await session.execute(text("ANALYZE items"))
            await show_scans(session)


asyncio.run(main())
