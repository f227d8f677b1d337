import asyncio

from sqlalchemy import JSON, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    tags: Mapped[list[str]] = mapped_column(JSON)  # a JSON array on SQLite


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Article(title="Joins", tags=["sql", "postgres"]))
        session.add(Article(title="Generators", tags=["python"]))
        await session.commit()
        # One row per element: the subquery sees the list as a table.
        tag = func.json_each(Article.tags).table_valued("value").alias("tag")
        for wanted in (["sql"], ["sql", "python"]):  # has one of these
            has = select(tag.c.value).where(tag.c.value.in_(wanted)).exists()
            print((await session.scalars(select(Article.title).where(has))).all())
            #> ['Joins']
            #> ['Joins', 'Generators']


# --8<-- [end:pattern]


asyncio.run(main())
