import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.relationships.shapes import Author, AuthorKeyword, Base, Keyword
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        link = AuthorKeyword(keyword=Keyword(word="poetry"), special_key="since 1843")
        session.add(Author(author_keywords=[link]))
        await session.commit()
        session.expunge_all()  # load the author afresh
        # --8<-- [start:pattern]
        # Load both hops the proxy reads: the links, and each link's Keyword.
        links = selectinload(Author.author_keywords)
        query = select(Author).options(links.joinedload(AuthorKeyword.keyword))
        with log_sql(engine) as sql:
            author = (await session.scalars(query)).one()
            print([keyword.word for keyword in author.keywords], len(sql))
            #> ['poetry'] 2
        author.keywords.append(Keyword(word="engines"))  # creator= makes the link
        await session.commit()
        print([(k.keyword.word, k.special_key) for k in author.author_keywords])
        #> [('poetry', 'since 1843'), ('engines', None)]
        # --8<-- [end:pattern]


asyncio.run(main())
