import asyncio

from sqlalchemy import String, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String))
    labels: Mapped[list[str]] = mapped_column(MutableList.as_mutable(ARRAY(String)))


async def main() -> None:
    async with (
        sample_db(rows=False, postgres=True) as (engine, sessions),
        sessions() as session,
    ):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        article = Article(tags=["sql"], labels=["sql"])
        session.add(article)
        await session.commit()
        article.tags.append("postgres")  # plain ARRAY: not saved
        article.labels.append("postgres")  # MutableList: saved
        await session.commit()
        stored = select(Article.tags, Article.labels)
        print((await session.execute(stored)).one())
        #> (['sql'], ['sql', 'postgres'])
        article.tags = [*article.tags, "python"]  # a new list: saved
        await session.commit()
        print((await session.execute(stored)).one())
        #> (['sql', 'postgres', 'python'], ['sql', 'postgres'])


# --8<-- [end:pattern]


asyncio.run(main())
