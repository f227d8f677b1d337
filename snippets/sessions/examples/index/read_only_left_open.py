import asyncio

from sqlalchemy import text

from snippets.sample import sample_db
from snippets.sessions.index import log_transactions


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions):
        # A second connection, as psql would be; AUTOCOMMIT: a fresh view per query.
        observer = await engine.connect()
        await observer.execution_options(isolation_level="AUTOCOMMIT")
        # --8<-- [start:pattern]
        activity = text("SELECT state, query FROM pg_stat_activity WHERE pid = :pid")
        session = sessions()
        pid = await session.scalar(text("SELECT pg_backend_pid()"))  # only a read
        print(tuple((await observer.execute(activity, {"pid": pid})).one()))
        #> ('idle in transaction', 'SELECT pg_backend_pid()')
        with log_transactions(engine) as sent:
            await session.close()
        print(sent, tuple((await observer.execute(activity, {"pid": pid})).one()))
        #> ['ROLLBACK'] ('idle', 'ROLLBACK;')
        # --8<-- [end:pattern]
        await observer.close()


asyncio.run(main())
