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
    status: Mapped[Status]  # VARCHAR(9) on SQLite, and no CHECK constraint


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        insert = "INSERT INTO articles (status) VALUES ('published')"
        await session.execute(text(insert))  # accepted
        try:
            await session.scalars(select(Article))
        except LookupError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            LookupError: 'published' is not among the defined enum values. Enum name: status. Possible values: DRAFT, PUBLISHED
            """
        # --8<-- [end:pattern]


asyncio.run(main())
