import asyncio

from sqlalchemy import JSON, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    tags: Mapped[list[str]] = mapped_column(JSON)  # a JSON array on SQLite


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Article(title="Joins", tags=["sql", "postgres"]))
            session.add(Article(title="Generators", tags=["python"]))
            await session.commit()
            tag = func.json_each(Article.tags).table_valued("value").alias("tag")
            has_sql = select(tag.c.value).where(tag.c.value == "sql").exists()
            with log_sql(engine) as statements:
                print(
                    (await session.scalars(select(Article.title).where(has_sql))).all()
                )
                #> ['Joins']
            print(statements[0])
            """
            SELECT articles.title
            FROM articles
            WHERE EXISTS (SELECT tag.value
            FROM json_each(articles.tags) AS tag
            WHERE tag.value = ?)
            """


# --8<-- [end:pattern]


asyncio.run(main())
