import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (_, sessions):
        set_level = text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        # --8<-- [start:pattern]
        async with sessions() as session:
            await session.execute(text("SELECT 1"))  # the transaction has begun
            try:
                await session.execute(set_level)
            except DBAPIError as exc:
                error = driver_error(exc)  # asyncpg's own exception
                print(f"{type(error).__name__}: {error}")
                """
                ActiveSQLTransactionError: SET TRANSACTION ISOLATION LEVEL must be called before any query
                """
        # --8<-- [end:pattern]


asyncio.run(main())
