import asyncio
import enum

from sqlalchemy import Column, Enum, Integer, MetaData, Table

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


def values(members: type[enum.Enum]) -> list[str]:
    return [member.value for member in members]


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


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        with log_sql(engine) as sql:
            async with engine.begin() as connection:
                await connection.run_sync(articles.metadata.create_all)
        print("\n".join(s.strip() for s in sql if "CREATE" in s))
        # --8<-- [end:pattern]


asyncio.run(main())
