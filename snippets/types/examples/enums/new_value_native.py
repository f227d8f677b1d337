import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.sample import sample_db
from snippets.types.enums import Base


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:  # CREATE TYPE status AS ENUM (...)
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        add = text("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
        use = text("INSERT INTO articles (status) VALUES ('archived')")
        try:
            async with engine.begin() as connection:  # one transaction
                await connection.execute(add)
                await connection.execute(use)
        except DBAPIError as exc:
            error = getattr(exc.orig, "__cause__", None)  # asyncpg's own
            print(f"{type(error).__name__}: {error}")
            """
            UnsafeNewEnumValueUsageError: unsafe use of new value "archived" of enum type status
            HINT:  New enum values must be committed before they can be used.
            """
        # --8<-- [end:pattern]


asyncio.run(main())
