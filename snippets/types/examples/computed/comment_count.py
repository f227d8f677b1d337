import asyncio

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    mapped_column,
    relationship,
)

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Comment(Base):
    __tablename__ = "blog_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"))


class Post(Base):
    __tablename__ = "blog_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    comments: Mapped[list[Comment]] = relationship()
    comment_count: Mapped[int] = column_property(
        select(func.count(Comment.id))
        .where(Comment.post_id == id)
        .correlate_except(Comment)
        .scalar_subquery()
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
        session.add(Post(title="No comments"))
        await session.commit()
        with log_sql(engine) as sql:
            posts = (await session.scalars(select(Post).order_by(Post.id))).all()
        print([(post.title, post.comment_count) for post in posts])
        #> [('Two comments', 2), ('No comments', 0)]
        print(sql[0])
        """
        SELECT (SELECT count(blog_comments.id) AS count_1
        FROM blog_comments
        WHERE blog_comments.post_id = blog_posts.id) AS anon_1, blog_posts.id, blog_posts.title
        FROM blog_posts ORDER BY blog_posts.id
        """


# --8<-- [end:pattern]


asyncio.run(main())
