import asyncio

from sqlalchemy import func, select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, TaggedArticle


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(TaggedArticle(title="Joins", tags=["sql", "postgres"]))
        session.add(TaggedArticle(title="Generators", tags=["python"]))
        await session.commit()
        # One row per element: the subquery sees the list as a table.
        tag = func.json_each(TaggedArticle.tags).table_valued("value").alias("tag")
        for wanted in (["sql"], ["sql", "python"]):  # has one of these
            has = select(tag.c.value).where(tag.c.value.in_(wanted)).exists()
            titles = select(TaggedArticle.title).where(has)
            print((await session.scalars(titles)).all())
            #> ['Joins']
            #> ['Joins', 'Generators']
        # --8<-- [end:pattern]


asyncio.run(main())
