import asyncio

from sqlalchemy import text

from snippets.database import create_session_factory
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        show = text("SHOW transaction_isolation")
        # --8<-- [start:pattern]
        async with sessions() as session:  # the app's factory: the server's default
            print(await session.scalar(show))
            #> read committed
        async with sessions() as session:  # one transaction, before anything else
            await session.connection(
                execution_options={"isolation_level": "SERIALIZABLE"}
            )
            print(await session.scalar(show))
            #> serializable
        serializable = create_session_factory(
            engine.execution_options(isolation_level="SERIALIZABLE")
        )
        async with serializable() as session:  # every session of this factory
            print(await session.scalar(show))
            #> serializable
        # --8<-- [end:pattern]


asyncio.run(main())
