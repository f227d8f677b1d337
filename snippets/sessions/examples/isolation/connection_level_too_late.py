import asyncio

from sqlalchemy import text
from sqlalchemy.exc import InvalidRequestError

from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        show = text("SHOW transaction_isolation")
        # --8<-- [start:pattern]
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # the transaction has begun
            try:
                await connection.execution_options(isolation_level="SERIALIZABLE")
            except InvalidRequestError as exc:
                print(f"{type(exc).__name__}: {exc}")
                """
                InvalidRequestError: This connection has already initialized a SQLAlchemy Transaction() object via begin() or autobegin; isolation_level may not be altered unless rollback() or commit() is called first.
                """
            await connection.commit()  # between transactions it works
            await connection.execution_options(isolation_level="SERIALIZABLE")
            print(await connection.scalar(show))
            #> serializable
        # --8<-- [end:pattern]


asyncio.run(main())
