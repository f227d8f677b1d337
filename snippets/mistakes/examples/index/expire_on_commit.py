import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker

from snippets.database import create_session_factory
from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (engine, _):
        # --8<-- [start:pattern]
        async with async_sessionmaker(engine)() as session:  # expire_on_commit=True
            user = User(email="alan@example.com", name="Alan Turing")
            session.add(user)
            await session.commit()
            try:
                print(user.name)
            except Exception as exc:
                error = getattr(exc, "orig", exc)
                print(f"{type(error).__name__}: {error}")
        async with create_session_factory(engine)() as session:  # the fix
            user = User(email="barbara@example.com", name="Barbara Liskov")
            session.add(user)
            await session.commit()
            print(user.name)
        # --8<-- [end:pattern]


asyncio.run(main())
