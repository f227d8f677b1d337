import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        # Posts whose author is Grace Hopper.
        query = select(Post.title).where(Post.author.has(User.name == "Grace Hopper"))
        with log_sql(engine) as sql:
            print((await session.scalars(query.order_by(Post.id))).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
