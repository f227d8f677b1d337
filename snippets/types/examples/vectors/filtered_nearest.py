import asyncio
import random

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.sample import sample_db
from snippets.types.vectors import Base, Document


# --8<-- [start:pattern]
async def nearest_about_cooking(session: AsyncSession) -> None:
    query = (
        select(Document.id)
        .where(Document.topic == "cooking")
        .order_by(Document.embedding.cosine_distance([1, 0, 0]))
        .limit(10)
    )
    print(len((await session.scalars(query)).all()))
    #> 0
    # Until the transaction ends, the scan goes on until 10 rows pass the filter.
    await session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
    print(len((await session.scalars(query)).all()))
    #> 10


# --8<-- [end:pattern]


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
            await session.execute(insert(Document), rows)
            await session.execute(text("ANALYZE documents"))
            sql = (
                "EXPLAIN (COSTS OFF) SELECT id FROM documents WHERE topic = 'cooking' "
                "ORDER BY embedding <=> '[1, 0, 0]' LIMIT 10"
            )
            print("\n".join(await session.scalars(text(sql))))
            """
            Limit
              ->  Index Scan using documents_embedding_idx on documents
                    Order By: (embedding <=> '[1,0,0]'::vector)
                    Filter: ((topic)::text = 'cooking'::text)
            """
            await nearest_about_cooking(session)


asyncio.run(main())
