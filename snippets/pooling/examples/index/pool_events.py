import asyncio

from sqlalchemy import text

from snippets.database import close_db, create_engine, create_session_factory
from snippets.pooling.observe import count_pool_events, pool_numbers
from snippets.sample import examples_url
from snippets.settings import Settings


async def main() -> None:
    engine = create_engine(Settings(database_url=examples_url(postgres=True)))
    # --8<-- [start:pattern]
    counts = count_pool_events(engine)
    sessions = create_session_factory(engine)

    async def request() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT pg_sleep(0.1)"))

    for _ in range(3):
        await request()
    print(dict(counts))
    #> {'connect': 1, 'checkout': 3, 'checkin': 3}
    await asyncio.gather(request(), request(), request())
    print(dict(counts))
    #> {'connect': 3, 'checkout': 6, 'checkin': 6}
    print(pool_numbers(engine))
    #> {'size': 5, 'checked_out': 0, 'idle': 3, 'overflow': -2}
    # --8<-- [end:pattern]
    await close_db(engine)


asyncio.run(main())
