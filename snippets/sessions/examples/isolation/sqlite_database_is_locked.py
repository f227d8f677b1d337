import asyncio
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        # --8<-- [start:pattern]
        engine = create_async_engine(  # a file: each connection its own
            f"sqlite+aiosqlite:///{Path(folder) / 'app.db'}",
            connect_args={"timeout": 0.1},  # wait 100 ms for the lock, not 5 s
        )
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE accounts (balance INTEGER)"))
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(text("INSERT INTO accounts VALUES (70)"))
            print(await second.scalar(text("SELECT count(*) FROM accounts")))
            #> 0
            try:  # a second writer while the first one's transaction is open
                await second.execute(text("INSERT INTO accounts VALUES (50)"))
            except DBAPIError as exc:
                print(f"{type(exc).__name__}: {exc.orig}")
                #> OperationalError: database is locked
        # --8<-- [end:pattern]
        await engine.dispose()


asyncio.run(main())
