import asyncio

from sqlalchemy import and_, or_, select

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(Post.title)
            .where(
                and_(
                    Post.author_id.in_([1, 2]),
                    or_(Post.published.is_(True), Post.title.startswith("Loops")),
                )
            )
            .order_by(Post.id)
        )
        with log_sql(engine) as sql:
            titles = (await session.scalars(query)).all()
        print(titles)
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
