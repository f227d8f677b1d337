import asyncio

from sqlalchemy import literal, select

from snippets.database import close_db, create_engine, create_session_factory
from snippets.sample import examples_url
from snippets.settings import Settings

# --8<-- [start:pattern]
query = select(literal(1))


async def main() -> None:
    engine = create_engine(Settings(database_url=examples_url()))
    sessions = create_session_factory(engine)
    shared = sessions()
    results = await asyncio.gather(
        *(shared.execute(query) for _ in range(3)), return_exceptions=True
    )
    await shared.close()
    print([type(result).__name__ for result in results])
    #> ['CursorResult', 'InvalidRequestError', 'InvalidRequestError']
    print(str(results[1]).split(" (Background")[0])
    """
    This session is provisioning a new connection; concurrent operations are not permitted
    """

    async def select_one() -> int | None:
        async with sessions() as own:  # the fix: one session per task
            return await own.scalar(query)

    print(await asyncio.gather(*(select_one() for _ in range(3))))
    #> [1, 1, 1]
    await close_db(engine)


# --8<-- [end:pattern]


asyncio.run(main())
