import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.sample import examples_url, sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True):  # an empty database
        # --8<-- [start:pattern]
        engine = create_async_engine(
            examples_url(postgres=True), isolation_level="REPEATABLE READ"
        )
        show = text("SHOW transaction_isolation")
        async with engine.connect() as connection:
            print(await connection.scalar(show))
            #> repeatable read
        async with engine.connect() as connection:
            # Before its first statement: this connection's transactions from now on.
            await connection.execution_options(isolation_level="SERIALIZABLE")
            print(await connection.scalar(show))
            #> serializable
        # --8<-- [end:pattern]
        await engine.dispose()


asyncio.run(main())
