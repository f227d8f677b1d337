import asyncio

from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine


async def main() -> None:
    # --8<-- [start:pattern]
    for level in ("SERIALIZABLE", "READ UNCOMMITTED", "REPEATABLE READ"):
        engine = create_async_engine("sqlite+aiosqlite://", isolation_level=level)
        try:
            async with engine.connect() as connection:
                print(level, "->", await connection.get_isolation_level())
                #> SERIALIZABLE -> SERIALIZABLE
                #> READ UNCOMMITTED -> READ UNCOMMITTED
        except ArgumentError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            ArgumentError: Invalid value 'REPEATABLE READ' for isolation_level. Valid isolation levels for 'sqlite' are READ UNCOMMITTED, SERIALIZABLE, AUTOCOMMIT
            """
        await engine.dispose()
    # --8<-- [end:pattern]


asyncio.run(main())
