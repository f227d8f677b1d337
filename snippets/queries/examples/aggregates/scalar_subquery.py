import asyncio

from sqlalchemy import func, select

from snippets.models import Comment, Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        comment_count = (
            select(func.count(Comment.id))
            .where(Comment.post_id == Post.id)
            .scalar_subquery()
        )
        query = select(Post.title, comment_count.label("comments")).order_by(Post.id)
        with log_sql(engine) as sql:
            print((await session.execute(query)).all())
            """
            [
                ("Notes on the engine", 2),
                ("COBOL reads like English", 1),
                ("Loops in Python", 0),
            ]
            """
        print(sql[0])
        """
        SELECT posts.title, (SELECT count(comments.id) AS count_1
        FROM comments
        WHERE comments.post_id = posts.id) AS comments
        FROM posts ORDER BY posts.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
