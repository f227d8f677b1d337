import asyncio
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, Table
from sqlalchemy.exc import DBAPIError

from snippets.sample import sample_db

# --8<-- [start:pattern]
events = Table("events", MetaData(), Column("at", DateTime()))


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(events.metadata.create_all)
        async with engine.begin() as connection:
            try:
                at = datetime(2026, 1, 1, tzinfo=UTC)
                await connection.execute(events.insert().values(at=at))
            except DBAPIError as exc:
                error = getattr(exc.orig, "__cause__", None)  # asyncpg's own exception
                print(f"{type(error).__name__}: {error}")
                """
                DataError: invalid input for query argument $1: datetime.datetime(2026, 1, 1, 0, 0, tzin... (can't subtract offset-naive and offset-aware datetimes)
                """


# --8<-- [end:pattern]


asyncio.run(main())
