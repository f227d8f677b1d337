import asyncio

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions):
        # --8<-- [start:pattern]
        async with sessions() as session:
            async with session.begin():  # before the first statement
                user = await session.get_one(User, 1)  # Ada, read with a SELECT
                user.name = "Ada King"
            print(session.in_transaction())  # the block committed
            #> False
        async with sessions() as session:  # or autobegin, and end it explicitly
            user = await session.get_one(User, 1)
            user.name = "Ada Lovelace"
            await session.commit()
            print(session.in_transaction(), user.name)
            #> False Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
