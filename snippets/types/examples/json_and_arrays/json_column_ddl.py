import asyncio

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.json_and_arrays import Base


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        # --8<-- [start:pattern]
        with log_sql(engine) as statements:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        for statement in statements:
            if "json_items (" in statement or "json_docs (" in statement:
                print(statement.strip())
        # --8<-- [end:pattern]


asyncio.run(main())
