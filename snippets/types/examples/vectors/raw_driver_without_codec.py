import asyncio

from sqlalchemy import insert

from snippets.sample import sample_db
from snippets.types.vectors import Base, Item


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Item), {"embedding": [1, 2, 3]})
        async with sessions() as session:
            # --8<-- [start:pattern]
            raw = await (await session.connection()).get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None  # asyncpg's own connection
            print(repr(await driver.fetchval("SELECT embedding FROM items")))
            #> '[1,2,3]'
            try:
                await driver.execute(
                    "INSERT INTO items (embedding) VALUES ($1)", [4.0, 5.0, 6.0]
                )
            except Exception as exc:  # asyncpg's DataError
                print(f"{type(exc).__name__}: {exc}")
                """
                DataError: invalid input for query argument $1: [4.0, 5.0, 6.0] (expected str, got list)
                """
            # --8<-- [end:pattern]


asyncio.run(main())
