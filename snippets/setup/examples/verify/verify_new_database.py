import asyncio

from snippets.database import close_db, create_engine
from snippets.migrations.startup import upgrade_to_head
from snippets.settings import Settings
from snippets.setup.verify import verify


async def main() -> None:
    # --8<-- [start:pattern]
    settings = Settings()  # a new database: nothing in it yet
    for check, passed in await verify(settings):
        print(passed, check.split(":")[0])
    engine = create_engine(settings)
    await upgrade_to_head(engine)  # what `alembic upgrade head` does
    await close_db(engine)
    print(all(passed for _, passed in await verify(settings)))
    # --8<-- [end:pattern]


asyncio.run(main())
