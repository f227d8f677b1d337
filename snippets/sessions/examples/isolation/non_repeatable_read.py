import asyncio

from sqlalchemy import select

from snippets.database import create_session_factory
from snippets.sample import sample_db
from snippets.sessions.isolation import Account, open_accounts


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        balance = select(Account.balance).where(Account.id == 1)
        # --8<-- [start:pattern]
        for level in ("READ COMMITTED", "REPEATABLE READ"):
            await open_accounts(engine)  # 100 in account 1
            sessions = create_session_factory(
                engine.execution_options(isolation_level=level)
            )
            async with sessions() as reader, sessions() as writer:
                first = await reader.scalar(balance)
                account = await writer.get_one(Account, 1)
                account.balance -= 30
                await writer.commit()  # between the reader's two reads
                second = await reader.scalar(balance)
                print(f"{level}: {first}, then {second}")
                #> READ COMMITTED: 100, then 70
                #> REPEATABLE READ: 100, then 100
        # --8<-- [end:pattern]


asyncio.run(main())
