import asyncio

from sqlalchemy import select, text

from snippets.sample import sample_db
from snippets.types.enums import NamedArticle, NamesBase, Status


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(NamesBase.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(NamedArticle(status=Status.DRAFT))
        await session.commit()
        print(await session.scalar(text("SELECT status FROM articles")))
        #> DRAFT
        print(await session.scalar(select(NamedArticle.status)))
        #> Status.DRAFT
        # --8<-- [end:pattern]


asyncio.run(main())
