import asyncio
import enum

from sqlalchemy import Enum, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(  # CREATE TYPE status AS ENUM (...)
        Enum(Status, values_callable=lambda members: [m.value for m in members])
    )


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        add = text("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
        use = text("INSERT INTO articles (status) VALUES ('archived')")
        try:
            async with engine.begin() as connection:  # one transaction
                await connection.execute(add)
                await connection.execute(use)
        except DBAPIError as exc:
            error = getattr(exc.orig, "__cause__", None)  # asyncpg's own
            print(f"{type(error).__name__}: {error}")
            """
            UnsafeNewEnumValueUsageError: unsafe use of new value "archived" of enum type status
            HINT:  New enum values must be committed before they can be used.
            """
        async with engine.begin() as connection:
            await connection.execute(add)  # committed at the end of this block
        async with engine.begin() as connection:
            await connection.execute(use)
            labels = "SELECT unnest(enum_range(NULL::status))"
            print((await connection.scalars(text(labels))).all())
            #> ['draft', 'published', 'archived']
        # --8<-- [end:pattern]


asyncio.run(main())
