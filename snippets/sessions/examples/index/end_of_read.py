import asyncio

from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.index import log_transactions


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions):
        # --8<-- [start:pattern]
        for ending in ("close", "rollback", "commit"):
            with log_transactions(engine) as sent:
                async with sessions() as session:
                    await session.get_one(User, 1)  # a read, then the ending
                    if ending != "close":
                        await getattr(session, ending)()
            print(f"{ending}: {len(sent)} statements, {sent[0]} ... {sent[-1]}")
            #> close: 3 statements, BEGIN ... ROLLBACK
            #> rollback: 3 statements, BEGIN ... ROLLBACK
            #> commit: 3 statements, BEGIN ... COMMIT
        async with sessions() as session:
            (await session.get_one(User, 1)).name = "Ada King"  # a write, not committed
        async with sessions() as session:
            print((await session.get_one(User, 1)).name)
            #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
