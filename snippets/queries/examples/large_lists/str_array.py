import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ids = ["1", "3"]  # ?ids=1,3 split on its commas: each item a str
        query = text("SELECT name FROM users WHERE id = ANY(:ids)")
        try:
            print((await session.scalars(query, {"ids": ids})).all())
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
            """
            DataError: invalid input for query argument $1: ['1', '3'] (invalid array element at index 0: 'str' object cannot be interpreted as an integer)
            """
        # --8<-- [end:pattern]


asyncio.run(main())
