import asyncio
import enum

from sqlalchemy import select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status]  # the same as mapped_column(Enum(Status))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Article(status=Status.DRAFT))
        await session.commit()
        print(await session.scalar(text("SELECT status FROM articles")))
        #> DRAFT
        print(await session.scalar(select(Article.status)))
        #> Status.DRAFT
        # --8<-- [end:pattern]


asyncio.run(main())
