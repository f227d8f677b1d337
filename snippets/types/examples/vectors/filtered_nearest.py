import asyncio
import random
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, Index, MetaData, event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str]
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


async def nearest_about_cooking(session: AsyncSession) -> None:
    query = (
        select(Item.id)
        .where(Item.topic == "cooking")
        .order_by(Item.embedding.cosine_distance([1, 0, 0]))
        .limit(10)
    )
    print(len((await session.scalars(query)).all()))
    #> 0
    # Until the transaction ends, the scan goes on until 10 rows pass the filter.
    await session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
    print(len((await session.scalars(query)).all()))
    #> 10


# --8<-- [end:pattern]


# The index of hnsw_index.py.
Index(
    "items_embedding_idx",
    Item.embedding,
    postgresql_using="hnsw",
    postgresql_with={"m": 16, "ef_construction": 64},
    postgresql_ops={"embedding": "vector_cosine_ops"},
)


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        rng = random.Random(42)
        vectors = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(2000)]
        # Half the rows are about cooking, and all of those point away from [1, 0, 0].
        rows = [
            {"topic": "cooking" if v[0] < 0 else "databases", "embedding": v}
            for v in vectors
        ]
        print(sum(row["topic"] == "cooking" for row in rows))
        #> 986
        async with sessions() as session:
            await session.execute(insert(Item), rows)
            await session.execute(text("ANALYZE items"))
            sql = (
                "EXPLAIN (COSTS OFF) SELECT id FROM items WHERE topic = 'cooking' "
                "ORDER BY embedding <=> '[1, 0, 0]' LIMIT 10"
            )
            print("\n".join(await session.scalars(text(sql))))
            """
            Limit
              ->  Index Scan using items_embedding_idx on items
                    Order By: (embedding <=> '[1,0,0]'::vector)
                    Filter: ((topic)::text = 'cooking'::text)
            """
            await nearest_about_cooking(session)


asyncio.run(main())
