import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.computed import Base, Comment, Post


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
        session.add(Post(title="No comments"))
        await session.commit()
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            posts = (await session.scalars(select(Post).order_by(Post.id))).all()
        print([(post.title, post.comment_count) for post in posts])
        #> [('Two comments', 2), ('No comments', 0)]
        print(sql[0])
        """
        SELECT (SELECT count(blog_comments.id) AS count_1
        FROM blog_comments
        WHERE blog_comments.post_id = blog_posts.id) AS anon_1, blog_posts.id, blog_posts.title, blog_posts.published, blog_posts.hidden
        FROM blog_posts ORDER BY blog_posts.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
