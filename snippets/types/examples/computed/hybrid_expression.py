import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.computed import Base, Post


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        for published in (False, True):
            for hidden in (False, True):
                session.add(Post(title="Hello", published=published, hidden=hidden))
        await session.commit()
        # --8<-- [start:pattern]
        query = select(Post).where(Post.is_visible)
        with log_sql(engine) as sql:
            visible = (await session.scalars(query)).all()
        print([(post.id, post.is_visible) for post in visible])
        print(sql[0].splitlines()[-1])  # the WHERE clause
        # --8<-- [end:pattern]


asyncio.run(main())
