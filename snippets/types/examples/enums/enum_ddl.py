import asyncio

from sqlalchemy import Column, Enum, Integer, MetaData, Table

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.enums import Status, values

# --8<-- [start:pattern]
articles = Table(
    "articles",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("native", Enum(Status, values_callable=values)),  # the default
    Column("plain", Enum(Status, values_callable=values, native_enum=False)),
    Column(
        "checked",
        Enum(Status, values_callable=values, native_enum=False, create_constraint=True),
    ),
)
# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        with log_sql(engine) as sql:
            async with engine.begin() as connection:
                await connection.run_sync(articles.metadata.create_all)
        print("\n".join(s.strip() for s in sql if "CREATE" in s))


asyncio.run(main())
