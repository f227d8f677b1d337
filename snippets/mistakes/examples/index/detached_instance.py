import asyncio

from sqlalchemy.orm.exc import DetachedInstanceError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions):
        # --8<-- [start:pattern]
        async with sessions() as session:
            user = await session.get(User, 1)
            assert user is not None
            await session.rollback()  # expires every loaded attribute
        try:
            print(user.name)
        except DetachedInstanceError as exc:
            print(str(exc).split(" (Background")[0].replace(hex(id(user)), "0x..."))
            """
            Instance <User at 0x...> is not bound to a Session; attribute refresh operation cannot proceed
            """
        # --8<-- [end:pattern]


asyncio.run(main())
