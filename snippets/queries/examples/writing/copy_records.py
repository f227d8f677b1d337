import asyncio

from sqlalchemy import func, select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        count = select(func.count()).select_from(User)
        # The first statement opens the session's transaction, which COPY then joins.
        print(await session.scalar(count))
        #> 3
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None  # asyncpg's connection
        records = [(f"user{n}@example.com", f"User {n}") for n in range(2500)]
        await raw.driver_connection.copy_records_to_table(
            "users", records=records, columns=["email", "name"]
        )
        await session.commit()
        print(await session.scalar(count))
        #> 2503
        # --8<-- [end:pattern]


asyncio.run(main())
