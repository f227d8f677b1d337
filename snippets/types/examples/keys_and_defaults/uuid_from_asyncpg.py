import asyncio
import json
import uuid

from pydantic import TypeAdapter
from sqlalchemy import insert

from snippets.sample import sample_db
from snippets.types.keys_and_defaults import Account, Base

ADA = uuid.UUID("5f0c3a1e-8d2b-4c47-9a61-2b7e4d9f0c13")


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Account).values(id=ADA, name="Ada"))
        async with engine.connect() as connection:
            # --8<-- [start:pattern]
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None  # asyncpg's connection
            value = await raw.fetchval("SELECT id FROM accounts")
            print(type(value), isinstance(value, uuid.UUID))
            #> <class 'asyncpg.pgproto.pgproto.UUID'> True
            try:
                json.dumps({"id": value})
            except TypeError as exc:
                print(f"{type(exc).__name__}: {exc}")
                #> TypeError: Object of type UUID is not JSON serializable
            print(TypeAdapter(uuid.UUID).dump_json(value))  # what pydantic writes
            #> b'"5f0c3a1e-8d2b-4c47-9a61-2b7e4d9f0c13"'
            # --8<-- [end:pattern]


asyncio.run(main())
