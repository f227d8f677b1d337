import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        user_id = "1"  # as a path or a form delivers it: a str
        query = text("SELECT name FROM users WHERE id = :id")
        try:
            print((await session.scalars(query, {"id": user_id})).all())
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
        # --8<-- [end:pattern]


asyncio.run(main())
