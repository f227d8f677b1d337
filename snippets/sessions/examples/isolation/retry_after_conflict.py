import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from snippets.database import create_session_factory
from snippets.sample import sample_db
from snippets.sessions.isolation import Account, open_accounts, run_transaction


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await open_accounts(engine)  # 100 in account 1
        attempts = 0

        # --8<-- [start:pattern]
        async def withdraw_50(session: AsyncSession) -> int:
            nonlocal attempts
            attempts += 1
            account = await session.get_one(Account, 1)
            if attempts == 1:  # another request takes 30 between our read and write
                async with sessions.begin() as other:
                    (await other.get_one(Account, 1)).balance -= 30
            account.balance -= 50
            await session.flush()
            return account.balance

        repeatable = create_session_factory(
            engine.execution_options(isolation_level="REPEATABLE READ")
        )
        print(await run_transaction(repeatable, withdraw_50), attempts)
        #> 20 2
        # --8<-- [end:pattern]


asyncio.run(main())
