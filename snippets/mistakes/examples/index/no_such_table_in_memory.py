import asyncio

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.models import Base


async def main() -> None:
    # --8<-- [start:pattern]
    setup = create_async_engine("sqlite+aiosqlite://")
    app = create_async_engine("sqlite+aiosqlite://")
    async with setup.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with app.connect() as connection:
        try:
            await connection.execute(text("SELECT count(*) FROM users"))
        except OperationalError as exc:
            print(exc.orig)
            #> no such table: users
    await setup.dispose()
    await app.dispose()
    # --8<-- [end:pattern]


asyncio.run(main())
