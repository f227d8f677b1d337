import asyncio
from collections.abc import Mapping

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.orm import DeclarativeBase

from snippets.models import Base as ModelsBase
from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):  # base.py: what env.py imports; the models import it
    pass


def dropped(connection: Connection, metadata: MetaData) -> list[str]:
    """The tables `alembic revision --autogenerate` would drop."""
    changes = compare_metadata(MigrationContext.configure(connection), metadata)
    return [change[1].name for change in changes if change[0] == "remove_table"]


async def main() -> None:
    async with sample_db(rows=False) as (engine, _), engine.connect() as connection:
        # env.py's target_metadata = Base.metadata, and no module imported the models:
        print(*sorted(await connection.run_sync(dropped, Base.metadata)))
        #> categories comments post_tags posts reactions tags users
        # The models imported; a table that something else owns is still "removed":
        await connection.execute(text("CREATE TABLE legacy_audit (id INTEGER)"))
        print(*await connection.run_sync(dropped, ModelsBase.metadata))
        #> legacy_audit
        # --8<-- [end:pattern]
        print(await connection.run_sync(owned_tables_only, ModelsBase.metadata))
        #> []


NOT_OURS = {"legacy_audit"}  # tables another tool or app creates and changes


def include_name(
    name: str | None, type_: str, parent_names: Mapping[str, str | None]
) -> bool:
    """Passed to context.configure(include_name=...) in env.py: skip those tables."""
    return not (type_ == "table" and name in NOT_OURS)


def owned_tables_only(
    connection: Connection, metadata: MetaData
) -> list[tuple[object, ...]]:
    context = MigrationContext.configure(
        connection, opts={"include_name": include_name}
    )
    return list(compare_metadata(context, metadata))


asyncio.run(main())
