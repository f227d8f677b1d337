import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.sample import examples_url

# --8<-- [start:pattern]
SLOW = text("SELECT pg_sleep(5)")


async def main() -> None:
    # asyncpg's client-side limit: it asks the server to cancel, then raises.
    engine = create_async_engine(
        examples_url(postgres=True), connect_args={"command_timeout": 0.5}
    )
    async with engine.connect() as conn:
        try:
            await conn.execute(SLOW)
        except TimeoutError:
            print("TimeoutError")
            #> TimeoutError
        await conn.rollback()
        print(await conn.scalar(text("SELECT 1")))
        #> 1
    await engine.dispose()

    # The server's own limit, for every statement of this engine's sessions.
    engine = create_async_engine(
        examples_url(postgres=True),
        connect_args={"server_settings": {"statement_timeout": "500"}},
    )
    async with engine.connect() as conn:
        try:
            await conn.execute(SLOW)
        except DBAPIError as exc:
            cause = getattr(exc.orig, "__cause__", None)  # asyncpg's own exception
            print(type(cause).__name__, cause)
            #> QueryCanceledError canceling statement due to statement timeout
        await conn.rollback()
        print(await conn.scalar(text("SELECT 1")))
        #> 1
    await engine.dispose()


# --8<-- [end:pattern]


asyncio.run(main())
