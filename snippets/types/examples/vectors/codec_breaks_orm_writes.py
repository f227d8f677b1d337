import asyncio

from pgvector.asyncpg import register_vector
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from snippets.sample import sample_db
from snippets.types.vectors import Base, Item


# --8<-- [start:pattern]
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


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            row = "INSERT INTO items (embedding) VALUES ('[1, 2, 3]')"
            await connection.execute(text(row))
        await register_then_write(sessions)


asyncio.run(main())
