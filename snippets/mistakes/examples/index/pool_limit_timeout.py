import asyncio

from sqlalchemy.exc import TimeoutError as PoolTimeout

from snippets.database import close_db, create_engine
from snippets.sample import examples_url
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    settings = Settings(
        database_url=examples_url(postgres=True),
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=1,
    )
    engine = create_engine(settings)
    async with engine.connect():
        try:
            async with engine.connect():
                pass
        except PoolTimeout as exc:
            print(str(exc).split(" (Background")[0])
            """
            QueuePool limit of size 1 overflow 0 reached, connection timed out, timeout 1.00
            """
    # --8<-- [end:pattern]
    await close_db(engine)


asyncio.run(main())
