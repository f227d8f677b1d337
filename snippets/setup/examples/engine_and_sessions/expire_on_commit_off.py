import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    # async_sessionmaker's default: expire_on_commit=True
    async with (
        sample_db(rows=False) as (engine, _),
        async_sessionmaker(engine)() as session,
    ):
        # --8<-- [start:pattern]
        user = User(email="ada@example.com", name="Ada")
        session.add(user)
        await session.commit()
        try:
            print(user.name)
        except Exception as exc:
            print(type(exc).__name__)
        # --8<-- [end:pattern]


asyncio.run(main())
