import asyncio

from sqlalchemy import select

from snippets.relationships.shapes import Author, AuthorKeyword, Base, Keyword
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        link = AuthorKeyword(keyword=Keyword(word="poetry"), special_key="since 1843")
        session.add(Author(author_keywords=[link]))
        await session.commit()
        session.expunge_all()  # load the author afresh
        # --8<-- [start:pattern]
        author = (await session.scalars(select(Author))).one()
        try:
            print([keyword.word for keyword in author.keywords])
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(f"{type(error).__name__}: {str(error).split(' (Background')[0]}")
        # --8<-- [end:pattern]


asyncio.run(main())
