import asyncio

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    query_expression,
    relationship,
    with_expression,
)

from snippets.sample import sample_db


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
    # Empty unless a query fills it in with with_expression().
    comment_count: Mapped[int | None] = query_expression()


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
        await session.commit()
        post = (await session.scalars(select(Post))).one()
        print(post.comment_count)
        #> None
        count = select(func.count(Comment.id)).where(Comment.post_id == Post.id)
        expression = with_expression(Post.comment_count, count.scalar_subquery())
        await session.scalar(select(Post).options(expression))
        print(post.comment_count)
        #> 2


# --8<-- [end:pattern]


asyncio.run(main())
