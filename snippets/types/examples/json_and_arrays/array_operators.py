import asyncio

from sqlalchemy import String, any_, select
from sqlalchemy.dialects.postgresql import ARRAY
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
    tags: Mapped[list[str]] = mapped_column(ARRAY(String))


async def main() -> None:
    async with (
        sample_db(rows=False, postgres=True) as (engine, sessions),
        sessions() as session,
    ):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Article(title="Joins", tags=["sql", "postgres"]))
        session.add(Article(title="Generators", tags=["python"]))
        await session.commit()
        for where in (
            Article.tags.contains(["sql"]),  # has every one of these
            Article.tags.overlap(["sql", "python"]),  # has any of these
            any_(Article.tags) == "python",  # one value, any element
        ):
            with log_sql(engine) as statements:
                titles = await session.scalars(select(Article.title).where(where))
            print(titles.all(), statements[0].splitlines()[-1])
            #> ['Joins'] WHERE articles.tags @> $1::VARCHAR[]
            #> ['Joins', 'Generators'] WHERE articles.tags && $1::VARCHAR[]
            #> ['Generators'] WHERE $1::VARCHAR = ANY (articles.tags)
        firsts = select(Article.tags[1], Article.tags[0]).order_by(Article.id)
        print((await session.execute(firsts)).all())  # 1-based: [0] is NULL
        #> [('sql', None), ('python', None)]


# --8<-- [end:pattern]


asyncio.run(main())
