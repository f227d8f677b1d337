import asyncio

from snippets.database import close_db, create_engine
from snippets.settings import Settings


async def main() -> None:
    engine = create_engine(Settings())
    # --8<-- [start:pattern]
    print(type(engine.pool).__name__)
    #> AsyncAdaptedQueuePool
    print(engine.pool.status())
    """
    Pool size: 5  Connections in pool: 0 Current Overflow: -5 Current Checked out connections: 0
    """
    # --8<-- [end:pattern]
    await close_db(engine)


asyncio.run(main())
