import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.sample import sample_db
from snippets.types.enums import NamesBase


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:  # labels 'DRAFT', 'PUBLISHED'
            await connection.run_sync(NamesBase.metadata.create_all)
        # --8<-- [start:pattern]
        try:  # another program, or a psql session, writes the value
            async with engine.begin() as connection:
                insert = "INSERT INTO articles (status) VALUES ('published')"
                await connection.execute(text(insert))
        except DBAPIError as exc:
            error = getattr(exc.orig, "__cause__", None)  # asyncpg's own
            print(f"{type(error).__name__}: {error}")
            """
            InvalidTextRepresentationError: invalid input value for enum status: "published"
            """
        # --8<-- [end:pattern]


asyncio.run(main())
