import asyncio

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        user = await session.get(User, 1)
        assert user is not None
        user.name = "Ada King"
        await session.commit()
        print(user.updated_at.tzinfo)
        #> UTC
        # --8<-- [end:pattern]


asyncio.run(main())
