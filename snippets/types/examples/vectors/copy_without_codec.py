import asyncio

from snippets.sample import sample_db
from snippets.types.vectors import Base


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            # --8<-- [start:pattern]
            raw = await (await session.connection()).get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None  # asyncpg's own connection
            try:
                records = [([1.0, 2.0, 3.0],), ([4.0, 5.0, 6.0],)]
                await driver.copy_records_to_table(
                    "items", records=records, columns=["embedding"]
                )
            except Exception as exc:  # asyncpg's InternalClientError
                # The type's OID differs from one database to the next.
                print(f"{type(exc).__name__}: {str(exc).split(' (OID')[0]}")
                #> InternalClientError: no binary format encoder for type vector
            # --8<-- [end:pattern]


asyncio.run(main())
