import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from snippets.models import Base
from snippets.sample import sample_db


# --8<-- [start:pattern]
def planned(connection: Connection) -> list[tuple[object, ...]]:
    """What `alembic revision --autogenerate` would write into the new migration."""
    changes = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    return list(changes)


async def main() -> None:
    # sample_db() creates the tables with create_all, as an app's startup often does.
    async with sample_db(rows=False) as (engine, _), engine.connect() as connection:
        print(await connection.run_sync(planned))
        #> []
        # --8<-- [end:pattern]


asyncio.run(main())
