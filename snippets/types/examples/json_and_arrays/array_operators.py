import asyncio

from sqlalchemy import any_, select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.json_and_arrays import ArrayBase, Article


async def main() -> None:
    async with (
        sample_db(rows=False, postgres=True) as (engine, sessions),
        sessions() as session,
    ):
        async with engine.begin() as connection:
            await connection.run_sync(ArrayBase.metadata.create_all)
        session.add(Article(title="Joins", tags=["sql", "postgres"]))
        session.add(Article(title="Generators", tags=["python"]))
        await session.commit()
        # --8<-- [start:pattern]
        for where in (
            Article.tags.contains(["sql"]),  # has every one of these
            Article.tags.overlap(["sql", "python"]),  # has any of these
            any_(Article.tags) == "python",  # one value, any element
        ):
            with log_sql(engine) as statements:
                titles = await session.scalars(select(Article.title).where(where))
            print(titles.all(), statements[0].splitlines()[-1])
            #> ['Joins'] WHERE array_articles.tags @> $1::VARCHAR[]
            #> ['Joins', 'Generators'] WHERE array_articles.tags && $1::VARCHAR[]
            #> ['Generators'] WHERE $1::VARCHAR = ANY (array_articles.tags)
        firsts = select(Article.tags[1], Article.tags[0]).order_by(Article.id)
        print((await session.execute(firsts)).all())  # 1-based: [0] is NULL
        #> [('sql', None), ('python', None)]
        # --8<-- [end:pattern]


asyncio.run(main())
