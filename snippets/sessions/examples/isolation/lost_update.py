import asyncio

from sqlalchemy.exc import DBAPIError

from snippets.database import create_session_factory
from snippets.sample import sample_db
from snippets.sessions.isolation import Account, explain, open_accounts


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        # --8<-- [start:pattern]
        lines = []
        for level in ("READ COMMITTED", "REPEATABLE READ"):
            await open_accounts(engine)  # 100 in account 1
            sessions = create_session_factory(
                engine.execution_options(isolation_level=level)
            )
            async with sessions() as first, sessions() as second:
                mine = await first.get_one(Account, 1)  # both read 100
                theirs = await second.get_one(Account, 1)
                mine.balance -= 30
                await first.commit()
                theirs.balance -= 50  # computed from the 100 it read
                try:
                    await second.commit()
                    outcome = f"committed, balance {theirs.balance}"
                except DBAPIError as exc:
                    outcome = explain(exc)
            lines.append(f"{level}: {outcome}")
        print("\n".join(lines))
        """
        READ COMMITTED: committed, balance 50
        REPEATABLE READ: DBAPIError 40001, SerializationError: could not serialize access due to concurrent update
        """
        # --8<-- [end:pattern]


asyncio.run(main())
