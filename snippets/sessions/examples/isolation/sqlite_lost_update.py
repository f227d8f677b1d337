import asyncio
import tempfile
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.database import create_session_factory
from snippets.sessions.isolation import Account, open_accounts, sqlite_begin


async def main() -> None:
    async def withdrawals(engine: AsyncEngine) -> str:
        """Two at once, of 30 and 50: each reads, waits, then writes."""
        await open_accounts(engine)  # 100 in account 1
        sessions = create_session_factory(engine)

        async def withdraw(amount: int, pause: float) -> str:
            async with sessions() as session:
                account = await session.get_one(Account, 1)
                await asyncio.sleep(pause)  # the other withdrawal reads meanwhile
                account.balance -= amount
                try:
                    await session.commit()
                except DBAPIError as exc:
                    return f"{amount} failed: {exc.orig}"
                return f"{amount} committed"

        outcomes = await asyncio.gather(withdraw(30, 0.05), withdraw(50, 0.15))
        async with sessions() as session:
            balance = (await session.get_one(Account, 1)).balance
        return f"{', '.join(outcomes)}; balance {balance}"

    with tempfile.TemporaryDirectory() as folder:
        # --8<-- [start:pattern]
        for begin in (None, "BEGIN", "BEGIN IMMEDIATE"):
            url = f"sqlite+aiosqlite:///{Path(folder) / f'{begin}.db'}"
            engine = create_async_engine(url, isolation_level="SERIALIZABLE")
            if begin:
                sqlite_begin(engine, begin)
            print(f"{begin or 'the driver'}: {await withdrawals(engine)}")
            #> the driver: 30 committed, 50 committed; balance 50
            #> BEGIN: 30 committed, 50 failed: database is locked; balance 70
            #> BEGIN IMMEDIATE: 30 committed, 50 committed; balance 20
            await engine.dispose()
        # --8<-- [end:pattern]


asyncio.run(main())
