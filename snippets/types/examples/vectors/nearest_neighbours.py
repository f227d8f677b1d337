import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.vectors import Base, Item


# --8<-- [start:pattern]
async def nearest(session: AsyncSession, engine: AsyncEngine) -> None:
    two = select(Item.embedding).limit(2)
    by_cosine = two.order_by(Item.embedding.cosine_distance([1, 1, 0]))
    by_l2 = two.order_by(Item.embedding.l2_distance([1, 1, 0]))
    with log_sql(engine) as statements:
        print((await session.scalars(by_cosine)).all())
        #> [[2.0, 2.0, 0.0], [1.0, 0.5, 0.0]]
        print((await session.scalars(by_l2)).all())
        #> [[1.0, 0.5, 0.0], [2.0, 2.0, 0.0]]
    for statement in statements:  # one bind parameter for the query vector
        print(" ".join(statement.split()).split(" FROM items ")[1])
        #> ORDER BY items.embedding <=> $1 LIMIT $2::INTEGER
        #> ORDER BY items.embedding <-> $1 LIMIT $2::INTEGER


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            vectors = [[2, 2, 0], [1, 0.5, 0], [0, 1, 2]]
            session.add_all([Item(embedding=vector) for vector in vectors])
            await session.commit()
            await nearest(session, engine)


asyncio.run(main())
