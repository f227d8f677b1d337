import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.sample import examples_url

# --8<-- [start:pattern]
IDLE_CUTOFF = {"server_settings": {"idle_session_timeout": "1000"}}  # milliseconds


async def after_idling(**options: object) -> str:
    engine = create_async_engine(
        examples_url(postgres=True), connect_args=IDLE_CUTOFF, **options
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        await asyncio.sleep(1.5)  # idle longer than the cutoff
        async with engine.connect() as conn:
            return f"ok: {await conn.scalar(text('SELECT 1'))}"
    except DBAPIError as exc:
        return type(exc.orig).__name__
    finally:
        await engine.dispose()


async def main() -> None:
    print(await after_idling())
    #> InterfaceError
    print(await after_idling(pool_recycle=1))
    #> ok: 1
    print(await after_idling(pool_pre_ping=True))
    #> ok: 1


# --8<-- [end:pattern]


asyncio.run(main())
