import asyncio

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    mapped_column,
    relationship,
    undefer,
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
    # Not in a plain SELECT; reading it unloaded raises instead of querying.
    comment_count: Mapped[int] = column_property(
        select(func.count(Comment.id))
        .where(Comment.post_id == id)
        .correlate_except(Comment)
        .scalar_subquery(),
        deferred=True,
        raiseload=True,
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
        await session.commit()
        with log_sql(engine) as sql:
            post = (await session.scalars(select(Post))).one()
        print(sql[0])
        """
        SELECT blog_posts.id, blog_posts.title
        FROM blog_posts
        """
        try:
            print(post.comment_count)
        except InvalidRequestError as exc:
            print(exc)
            #> 'Post.comment_count' is not available due to raiseload=True
        await session.scalar(select(Post).options(undefer(Post.comment_count)))
        print(post.comment_count)
        #> 2


# --8<-- [end:pattern]


asyncio.run(main())
