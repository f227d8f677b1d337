import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.sample import examples_url

# --8<-- [start:pattern]
url = examples_url(postgres=True)
# The second argument waits (up to 5 s) until each session has ended.
TERMINATE_OTHERS = text(
    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def query_after_termination(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    admin = create_async_engine(url, poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(TERMINATE_OTHERS)
    await admin.dispose()
    try:
        async with engine.connect() as conn:
            return f"ok: {await conn.scalar(text('SELECT 1'))}"
    except DBAPIError as exc:
        return f"{type(exc.orig).__name__}: {exc.orig}"
    finally:
        await engine.dispose()


async def main() -> None:
    print(await query_after_termination(create_async_engine(url)))
    print(await query_after_termination(create_async_engine(url, pool_pre_ping=True)))


# --8<-- [end:pattern]


asyncio.run(main())
