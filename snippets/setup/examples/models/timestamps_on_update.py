import asyncio
from datetime import UTC, datetime

from snippets.database import create_session_factory
from snippets.models import User
from snippets.sample import sample_db

# --8<-- [start:pattern]
long_ago = datetime(2020, 1, 1, tzinfo=UTC)


async def main() -> None:
    async with (
        sample_db(rows=False) as (engine, _),
        create_session_factory(engine)() as session,
    ):
        user = User(email="ada@example.com", name="Ada")
        session.add(user)
        await session.flush()
        user.created_at = user.updated_at = long_ago
        await session.commit()
        user.name = "Ada Lovelace"
        await session.commit()
        print(user.created_at == long_ago, user.updated_at > long_ago)
        #> True True
        print(user.updated_at.tzinfo)
        #> UTC


# --8<-- [end:pattern]


asyncio.run(main())
