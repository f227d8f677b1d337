import asyncio

from sqlalchemy import Column, Index, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects.postgresql import JSONB

from snippets.sample import sample_db
from snippets.sql_log import log_sql

# --8<-- [start:pattern]
events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("data", JSONB),
    Index("ix_events_data", "data", postgresql_using="gin"),
)


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(events.metadata.create_all)
        await session.execute(
            insert(events),
            [
                {"data": {"kind": "login", "user": 1}},
                {"data": {"kind": "login", "user": 2}},
            ],
        )
        query = select(events.c.id).where(events.c.data.contains({"user": 2}))
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
            #> [2]
        print(sql[0])
        """
        SELECT events.id
        FROM events
        WHERE events.data @> $1::JSONB
        """


# --8<-- [end:pattern]


asyncio.run(main())
