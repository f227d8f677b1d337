import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        since = "2000-01-01"  # a date, as a query string delivers it
        query = text("SELECT count(*) FROM users WHERE created_at >= :since")
        try:
            print((await session.scalars(query, {"since": since})).all())
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
        # --8<-- [end:pattern]


asyncio.run(main())
