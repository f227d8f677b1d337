import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.sample import examples_url

# --8<-- [start:pattern]
url = examples_url(postgres=True)
SHOW = text("SHOW statement_timeout")


async def main() -> None:
    limited = create_async_engine(
        url, connect_args={"server_settings": {"statement_timeout": "500"}}
    )
    other = create_async_engine(url, poolclass=NullPool)  # any other client
    async with limited.connect() as conn, other.connect() as other_conn:
        print(await conn.scalar(SHOW), await other_conn.scalar(SHOW))
        #> 500ms 0
    await limited.dispose()

    # Every new session of this database (per role: ALTER ROLE app SET ...).
    async with other.begin() as conn:
        await conn.execute(
            text(f"ALTER DATABASE {url.database} SET statement_timeout = '2s'")
        )
    try:
        async with other.begin() as conn:
            print(await conn.scalar(SHOW))
            #> 2s
            # One transaction only: back to 2s after COMMIT or ROLLBACK.
            await conn.execute(text("SET LOCAL statement_timeout = '100ms'"))
            print(await conn.scalar(SHOW))
            #> 100ms
    finally:
        # Stored on the server, the setting outlives this program: remove it.
        async with other.begin() as conn:
            await conn.execute(
                text(f"ALTER DATABASE {url.database} RESET statement_timeout")
            )


# --8<-- [end:pattern]


asyncio.run(main())
