import asyncio
from typing import Any

from pgvector.asyncpg import register_vector
from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, MetaData, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


async def register_then_write(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection is not None  # asyncpg's own connection
        await register_vector(raw.driver_connection)
        print(await raw.driver_connection.fetchval("SELECT embedding FROM items"))
        #> Vector([1.0, 2.0, 3.0])
    async with sessions() as session:  # the same pooled connection, codec and all
        session.add(Item(embedding=[4.0, 5.0, 6.0]))
        try:
            await session.commit()
        except DBAPIError as exc:
            error = getattr(exc.orig, "__cause__", None)  # asyncpg's own exception
            print(f"{type(error).__name__}: {error}")
            """
            DataError: invalid input for query argument $1: '[4.0,5.0,6.0]' (expected list or ndarray)
            """


# --8<-- [end:pattern]


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            row = "INSERT INTO items (embedding) VALUES ('[1, 2, 3]')"
            await connection.execute(text(row))
        await register_then_write(sessions)


asyncio.run(main())
