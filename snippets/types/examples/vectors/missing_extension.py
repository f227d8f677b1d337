import asyncio

from pgvector.sqlalchemy import Vector
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


async def create_tables(engine: AsyncEngine) -> None:
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    except DBAPIError as exc:
        error = getattr(exc.orig, "__cause__", None)  # asyncpg's own exception
        print(f"{type(error).__name__}: {error}")
        #> UndefinedObjectError: type "vector" does not exist


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            # Start without the extension, even where an earlier run enabled it.
            await connection.execute(text("DROP EXTENSION IF EXISTS vector"))
        await create_tables(engine)


asyncio.run(main())
