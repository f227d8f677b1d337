import asyncio
import warnings

from sqlalchemy import text

from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (_, sessions):
        serializable = {"isolation_level": "SERIALIZABLE"}
        # --8<-- [start:pattern]
        async with sessions() as session:
            await session.execute(text("SELECT 1"))  # the transaction has begun
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await session.connection(execution_options=serializable)
            for warning in caught:
                print(f"{warning.category.__name__}: {warning.message}")
                """
                SAWarning: Connection is already established for the given bind; execution_options ignored
                """
            print(await session.scalar(text("SHOW transaction_isolation")))
            #> read committed
        # --8<-- [end:pattern]


asyncio.run(main())
