import asyncio

from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.queries.upserts import Base, Subscriber
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        statement = insert(Subscriber).values(email="ada@example.com", name="Ada")
        statement = statement.on_conflict_do_update(
            index_elements=[Subscriber.email],  # no index_where
            set_={"name": statement.excluded.name},
        )
        try:
            async with sessions() as session:
                await session.execute(statement)
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
            """
            OperationalError: ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint
            """
        # --8<-- [end:pattern]


asyncio.run(main())
