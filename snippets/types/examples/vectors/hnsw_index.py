import asyncio
import random

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.vectors import Base, Document


# --8<-- [start:pattern]
async def show_scans(session: AsyncSession) -> None:
    cosine, l2 = Document.embedding.cosine_distance, Document.embedding.l2_distance
    for distance in (cosine, l2):
        query = select(Document.id).order_by(distance([1, 0, 0])).limit(5)
        # Values inlined for EXPLAIN: safe, they are this program's own numbers.
        sql = query.compile(session.bind, compile_kwargs={"literal_binds": True})
        plan = await session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}"))
        print(next(line.strip(" ->") for line in plan if "Scan" in line))
        #> Index Scan using documents_embedding_idx on documents
        #> Seq Scan on documents


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        with log_sql(engine) as statements:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        # The index's DDL.
        print(next(sql for sql in statements if sql.startswith("CREATE INDEX")))
        """
        CREATE INDEX documents_embedding_idx ON documents USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
        """
        rng = random.Random(42)
        rows = [
            {"topic": "databases", "embedding": [rng.gauss(0, 1) for _ in range(3)]}
            for _ in range(2000)
        ]
        async with sessions() as session:
            # One executemany call for the whole list, no objects built.
            await session.execute(insert(Document), rows)
            # Row counts for the planner, which autovacuum would gather later.
            await session.execute(text("ANALYZE documents"))
            await show_scans(session)


asyncio.run(main())
