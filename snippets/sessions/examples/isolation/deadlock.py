import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.sample import sample_db
from snippets.sessions.isolation import Account, explain, open_accounts


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await open_accounts(engine)

        # --8<-- [start:pattern]
        async def add(session: AsyncSession, account_id: int, amount: int) -> str:
            account = await session.get_one(Account, account_id)
            account.balance += amount
            await session.flush()  # the UPDATE locks the row until the transaction ends
            return "got the lock"

        async with sessions() as first, sessions() as second:
            # The server looks for a deadlock once a lock wait lasts this long (1s default).
            await second.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
            await add(first, 1, -10)  # first holds account 1
            await add(second, 2, -10)  # second holds account 2
            outcomes = await asyncio.gather(  # each now waits for the other's row
                add(first, 2, 10), add(second, 1, 10), return_exceptions=True
            )
            for name, outcome in zip(("first", "second"), outcomes, strict=True):
                shown = explain(outcome) if isinstance(outcome, Exception) else outcome
                print(f"{name}: {shown}")
                #> first: got the lock
                #> second: DBAPIError 40P01, DeadlockDetectedError: deadlock detected
        # --8<-- [end:pattern]


asyncio.run(main())
