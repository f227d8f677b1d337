import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = text("SELECT name FROM users WHERE id IN (:ids)")  # no expanding=True
        try:
            print((await session.scalars(query, {"ids": [1, 3]})).all())
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
        # --8<-- [end:pattern]


asyncio.run(main())
