import asyncio
import time
from functools import partial

from sqlalchemy import text

from snippets.database import close_db, create_engine, create_session_factory
from snippets.sample import examples_url
from snippets.sessions.concurrency import gather_bounded
from snippets.settings import Settings


async def main() -> None:
    settings = Settings(
        database_url=examples_url(postgres=True),
        db_pool_size=2,
        db_max_overflow=1,
        db_pool_timeout=0.1,
    )
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    started = time.monotonic()

    # --8<-- [start:pattern]
    async def report(day: int) -> int:
        async with sessions() as session:  # opened once the semaphore lets it in
            await session.execute(text("SELECT pg_sleep(0.2)"))
            return day

    limit = settings.db_pool_size + settings.db_max_overflow  # 3
    days = await gather_bounded(limit, [partial(report, day) for day in range(6)])
    print(days)
    #> [0, 1, 2, 3, 4, 5]
    # --8<-- [end:pattern]
    print(time.monotonic() - started >= 0.4)  # two rounds of three, none timed out
    #> True
    await close_db(engine)


asyncio.run(main())
