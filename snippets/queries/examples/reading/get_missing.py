import asyncio

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        print(await session.get(User, 99))
        #> None
        # --8<-- [end:pattern]


asyncio.run(main())
