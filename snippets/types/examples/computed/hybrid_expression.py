import asyncio

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "blog_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    published: Mapped[bool]
    hidden: Mapped[bool]

    @hybrid_property
    def is_visible(self) -> bool:  # on an object
        return self.published and not self.hidden

    @is_visible.inplace.expression
    @classmethod
    def _is_visible_sql(cls) -> ColumnElement[bool]:  # in a query
        return and_(cls.published, not_(cls.hidden))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        for published in (False, True):
            for hidden in (False, True):
                session.add(Post(published=published, hidden=hidden))
        await session.commit()
        with log_sql(engine) as sql:
            visible = (await session.scalars(select(Post).where(Post.is_visible))).all()
        print([(post.id, post.is_visible) for post in visible])
        print(sql[0])


# --8<-- [end:pattern]


asyncio.run(main())
