import asyncio

from sqlalchemy import text

from snippets.database import close_db, create_engine
from snippets.pooling.sizing import fits, peak_connections
from snippets.sample import examples_url
from snippets.settings import Settings


async def main() -> None:
    engine = create_engine(Settings(database_url=examples_url(postgres=True)))
    # --8<-- [start:pattern]
    async with engine.connect() as conn:
        max_connections = int(await conn.scalar(text("SHOW max_connections")) or 0)
        reserved = int(
            await conn.scalar(text("SHOW superuser_reserved_connections")) or 0
        )
    await close_db(engine)
    print(max_connections, reserved)
    #> 100 3
    print(peak_connections(4, 5, 10), fits(4, 5, 10, max_connections, reserved))
    #> 60 True
    print(peak_connections(4, 20, 10), fits(4, 20, 10, max_connections, reserved))
    #> 120 False
    # --8<-- [end:pattern]


asyncio.run(main())
