import asyncio
from typing import Any

from pgvector.asyncpg import register_vector
from sqlalchemy import event, insert

from snippets.database import close_db, create_engine
from snippets.sample import examples_url, sample_db
from snippets.settings import Settings
from snippets.types.vectors import Base, Item


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Item), {"embedding": [1, 2, 3]})
        # --8<-- [start:pattern]
        # For the raw driver only: the ORM's engine stays without the codec.
        raw_engine = create_engine(Settings(database_url=examples_url(postgres=True)))

        @event.listens_for(raw_engine.sync_engine, "connect")
        def register_codec(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.run_async(register_vector)  # once per new connection

        async with raw_engine.connect() as one, raw_engine.connect() as two:
            pids = set()
            for connection in (one, two):
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None  # asyncpg's own connection
                pids.add(driver.get_server_pid())
                print(await driver.fetchval("SELECT embedding FROM items"))
                #> Vector([1.0, 2.0, 3.0])
                #> Vector([1.0, 2.0, 3.0])
            print(f"{len(pids)} connections")
            #> 2 connections
        await close_db(raw_engine)
        # --8<-- [end:pattern]


asyncio.run(main())
