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
        session.add(Post(title="Hello"))
        await session.commit()
        post = (await session.scalars(select(Post))).one()
        session.add(Comment(post_id=post.id))
        await session.commit()
        print(post.comment_count)
        #> 0
        # This SELECT computes 1, but the post already in the session keeps its 0.
        await session.scalar(select(Post))
        print(post.comment_count)
        #> 0
        await session.refresh(post, ["comment_count"])
        print(post.comment_count)
        #> 1
        session.add(Comment(post_id=post.id))
        await session.commit()
        query = select(Post).execution_options(populate_existing=True)
        await session.scalar(query)
        print(post.comment_count)
        #> 2


# --8<-- [end:pattern]


asyncio.run(main())
