import asyncio

from sqlalchemy import text

from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        email = "' OR '1'='1"
        formatted = text(
            f"SELECT name FROM users WHERE email = '{email}'"
        )  # never do this
        bound = text("SELECT name FROM users WHERE email = :email")
        print((await session.scalars(formatted)).all())
        #> ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']
        print((await session.scalars(bound, {"email": email})).all())
        #> []
        # --8<-- [end:pattern]


asyncio.run(main())
