import asyncio

from sqlalchemy import text

from snippets.sample import sample_db
from snippets.types.enums import Base


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:  # CREATE TYPE status AS ENUM (...)
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        async with engine.begin() as connection:
            add = "ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'"
            await connection.execute(text(add))  # committed at the end of the block
        async with engine.begin() as connection:
            use = "INSERT INTO articles (status) VALUES ('archived')"
            await connection.execute(text(use))
            labels = "SELECT unnest(enum_range(NULL::status))"
            print((await connection.scalars(text(labels))).all())
            #> ['draft', 'published', 'archived']
        # --8<-- [end:pattern]


asyncio.run(main())
