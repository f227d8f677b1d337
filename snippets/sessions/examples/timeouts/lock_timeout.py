import asyncio

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.timeouts import limit_transaction


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions):
        ada = select(User).where(User.email == "ada@example.com")
        # --8<-- [start:pattern]
        async with sessions() as holder, sessions() as waiter:
            await holder.execute(ada.with_for_update())  # holds the row lock
            await limit_transaction(waiter, lock="100ms")
            try:
                await waiter.execute(ada.with_for_update())
            except DBAPIError as exc:
                error = driver_error(exc)
                print(f"{type(error).__name__}: {error}")
                #> LockNotAvailableError: canceling statement due to lock timeout
        # --8<-- [end:pattern]


asyncio.run(main())
