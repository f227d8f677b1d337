import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from snippets.database import create_session_factory
from snippets.models import User
from snippets.sample import sample_db

# --8<-- [start:pattern]
count_users = select(func.count()).select_from(User)


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        async with create_session_factory(engine)() as session:
            session.add(User(email="ada@example.com", name="Ada"))
            print(await session.scalar(count_users))
            #> 1
        no_autoflush = async_sessionmaker(
            engine, expire_on_commit=False, autoflush=False
        )
        async with no_autoflush() as session:
            session.add(User(email="ada@example.com", name="Ada"))
            print(await session.scalar(count_users))
            #> 0


# --8<-- [end:pattern]


asyncio.run(main())
