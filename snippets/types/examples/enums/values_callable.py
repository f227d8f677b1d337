import asyncio

from sqlalchemy import select, text

from snippets.sample import sample_db
from snippets.types.enums import Article, Base, Status


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        session.add(Article(status=Status.DRAFT))
        await session.commit()
        insert = "INSERT INTO articles (status) VALUES ('published')"
        await session.execute(text(insert))  # as another program would
        stored = await session.scalars(text("SELECT status FROM articles ORDER BY id"))
        print(stored.all())
        #> ['draft', 'published']
        read = await session.scalars(select(Article.status).order_by(Article.id))
        print(read.all())
        #> [<Status.DRAFT: 'draft'>, <Status.PUBLISHED: 'published'>]
        # --8<-- [end:pattern]


asyncio.run(main())
