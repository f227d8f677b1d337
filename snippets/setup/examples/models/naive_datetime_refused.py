import asyncio
from datetime import datetime

from sqlalchemy.exc import StatementError

from snippets.database import create_session_factory
from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with (
        sample_db(rows=False) as (engine, _),
        create_session_factory(engine)() as session,
    ):
        # --8<-- [start:pattern]
        user = User(email="ada@example.com", name="Ada")
        session.add(user)
        await session.flush()
        user.created_at = datetime(2025, 1, 1, 12, 0)
        try:
            await session.flush()
        except StatementError as exc:
            print(exc.orig)
            """
            naive datetime datetime.datetime(2025, 1, 1, 12, 0): pass an aware one, e.g. datetime.now(UTC)
            """
        # --8<-- [end:pattern]


asyncio.run(main())
