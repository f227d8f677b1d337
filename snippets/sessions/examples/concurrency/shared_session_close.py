import asyncio

from sqlalchemy import text

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.concurrency import server_sessions


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        query = text("SELECT pg_sleep(0.1)")
        try:
            async with sessions() as shared:  # one session for three tasks
                await asyncio.gather(*(shared.execute(query) for _ in range(3)))
        except Exception as exc:  # raised by close(), when the block exits
            print(f"{type(exc).__name__}: {str(exc).split(' (Background')[0]}")
            """
            IllegalStateChangeError: Method 'close()' can't be called here; method '_connection_for_bind()' is already in progress and this would cause an unexpected state change to <SessionTransactionState.CLOSED: 5>
            """
            print(type(exc.__context__).__name__)
            #> InvalidRequestError
        await asyncio.wait(asyncio.all_tasks() - {asyncio.current_task()})
        print(pool_numbers(engine)["checked_out"], await server_sessions(engine))
        #> 1 {'idle in transaction': 1}
        # --8<-- [end:pattern]
        await shared.close()  # the first task is done: close() works now
        print(pool_numbers(engine)["checked_out"])
        #> 0


asyncio.run(main())
