import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from snippets.database import create_session_factory
from snippets.sample import sample_db
from snippets.sessions.isolation import Account, explain, open_accounts


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        total = select(func.sum(Account.balance))
        # --8<-- [start:pattern]
        lines = []
        for level in ("REPEATABLE READ", "SERIALIZABLE"):
            await open_accounts(engine)  # 100 in each of two accounts
            sessions = create_session_factory(
                engine.execution_options(isolation_level=level)
            )
            async with sessions() as first, sessions() as second:
                # Each checks the total, 200, then takes 150 from a different account.
                for session, account_id in ((first, 1), (second, 2)):
                    if (await session.execute(total)).scalar_one() >= 150:
                        account = await session.get_one(Account, account_id)
                        account.balance -= 150
                        await session.flush()
                await first.commit()
                try:
                    await second.commit()
                    outcome = "both committed"
                except DBAPIError as exc:
                    outcome = explain(exc)
                left = await first.scalar(total)
            lines.append(f"{level}: {outcome}; total {left}")
        print("\n".join(lines))
        """
        REPEATABLE READ: both committed; total -100
        SERIALIZABLE: DBAPIError 40001, SerializationError: could not serialize access due to read/write dependencies among transactions; total 50
        """
        # --8<-- [end:pattern]


asyncio.run(main())
