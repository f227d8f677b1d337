import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.types.json_and_arrays import ArrayBase, Article


async def main() -> None:
    async with (
        sample_db(rows=False, postgres=True) as (engine, sessions),
        sessions() as session,
    ):
        async with engine.begin() as connection:
            await connection.run_sync(ArrayBase.metadata.create_all)
        # --8<-- [start:pattern]
        article = Article(title="Joins", tags=["sql"], labels=["sql"])
        session.add(article)
        await session.commit()
        article.tags.append("postgres")  # plain ARRAY: not saved
        article.labels.append("postgres")  # MutableList: saved
        await session.commit()
        stored = select(Article.tags, Article.labels)
        print((await session.execute(stored)).one())
        #> (['sql'], ['sql', 'postgres'])
        article.tags = [*article.tags, "python"]  # a new list: saved
        await session.commit()
        print((await session.execute(stored)).one())
        #> (['sql', 'postgres', 'python'], ['sql', 'postgres'])
        # --8<-- [end:pattern]


asyncio.run(main())
