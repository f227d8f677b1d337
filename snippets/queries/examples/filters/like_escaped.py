import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        ada = User(email="ada@example.com", name="Ada")
        titles = ["50% off", "500 errors", "a_b testing", "axb notes"]
        session.add_all(Post(title=title, author=ada) for title in titles)
        await session.flush()
        # --8<-- [start:pattern]
        for term in ("50%", "a_b"):
            query = select(Post.title).where(Post.title.contains(term, autoescape=True))
            with log_sql(engine) as sql:
                print(term, (await session.scalars(query)).all())
        print(sql[0])
        print(query.compile().params)  # the value bound: a_b with _ escaped
        # --8<-- [end:pattern]


asyncio.run(main())
