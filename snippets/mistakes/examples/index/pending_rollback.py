import asyncio
from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, PendingRollbackError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        session.add(User(email="ada@example.com", name="Ada again"))
        with suppress(IntegrityError):  # the mistake: no rollback after the error
            await session.flush()
        try:
            await session.scalar(select(User.name).limit(1))
        except PendingRollbackError as exc:
            print(str(exc).split(". ")[0])
            """
            This Session's transaction has been rolled back due to a previous exception during flush
            """
        await session.rollback()  # the fix
        print(await session.scalar(select(User.name).where(User.id == 1)))
        #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
