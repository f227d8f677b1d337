import asyncio

from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects.postgresql import JSONB

from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        events = Table(
            "events",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("data", JSON().with_variant(JSONB(), "postgresql")),
        )
        async with engine.begin() as connection:
            await connection.run_sync(events.metadata.create_all)
        await session.execute(
            insert(events),
            [
                {"data": {"kind": "login", "user": 1}},
                {"data": {"kind": "logout", "user": 1}},
            ],
        )
        query = select(events.c.id).where(events.c.data["kind"].as_string() == "login")
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
