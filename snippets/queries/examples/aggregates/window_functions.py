import asyncio

from sqlalchemy import func, select

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(
            Post.title,
            func.row_number()
            .over(partition_by=Post.author_id, order_by=Post.id)
            .label("nth"),
            func.count().over(partition_by=Post.author_id).label("total"),
        ).order_by(Post.id)
        with log_sql(engine) as sql:
            for row in await session.execute(query):
                print(row.title, row.nth, row.total)
                #> Notes on the engine 1 2
                #> COBOL reads like English 1 1
                #> Loops in Python 2 2
        print(sql[0])
        """
        SELECT posts.title, row_number() OVER (PARTITION BY posts.author_id ORDER BY posts.id) AS nth, count(*) OVER (PARTITION BY posts.author_id) AS total
        FROM posts ORDER BY posts.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
